"""The worker process: the only place where checks run student code.

Started by `student.StudentProcess` with the submission folder as its argument. It answers
requests (call a function, create an object, call a method, read or set an attribute, or a batch
of those, answered one by one) read from its standard input and writes plain values back;
anything the student's code prints goes to standard error, so that it cannot corrupt the answers.
A request with `keep` holds its result here (a torch module a function built) and answers with a
handle to it instead.
"""
import importlib
import os
import random
import sys
import traceback

from gradekit.autograde import wire


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    root = os.path.abspath(argv[0])
    requests = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)  # the student's prints, even from C, go to stderr
    sys.stdout = sys.stderr
    os.chdir(root)
    sys.path.insert(0, root)
    Worker(root).serve(requests, answers)


class Worker:
    """Holds the objects the grader asked for and runs each request."""

    def __init__(self, root):
        self.root = root
        self.objects = {}

    def serve(self, requests, answers):
        while True:
            try:
                request = wire.read_message(requests)
            except EOFError:
                return
            if request.get("op") == "batch":  # one answer per request as each ends; the first error ends it
                for one in request["requests"]:
                    answer = self.answer(one)
                    wire.write_message(answers, answer)
                    if not answer["ok"]:
                        break
            else:
                wire.write_message(answers, self.answer(request))

    def answer(self, request):
        try:
            if request.get("seed") is not None:
                for key in ("target", "forward"):  # import first, so the seed covers torch too
                    if key in request:
                        resolve(request[key])
                seed_everything(request["seed"])
            request = self.objects_in(request)
            value = getattr(self, "op_" + request["op"])(request)
            return {"ok": True, "value": self.wrap(value)}
        except BaseException as exc:  # noqa: BLE001 - everything the student raises is reported
            if isinstance(exc, KeyboardInterrupt):
                raise
            return {"ok": False, "error": describe(exc, self.root)}

    def op_call(self, request):
        args, kwargs = list(request["args"]), dict(request["kwargs"])
        result = resolve(request["target"])(*args, **kwargs)
        result = self.kept(picked(result, request.get("pick")), request)
        return {"result": result, "args": args, "kwargs": kwargs} if request.get("with_args") else result

    def op_layer(self, request):
        return run_layer(resolve(request["forward"]), resolve(request["backward"]), request["args"],
                         request["kwargs"], request["dout"])

    def op_new(self, request):
        return self.keep(resolve(request["target"])(*request["args"], **request["kwargs"]))

    def op_method(self, request):
        obj = self.objects[request["object"]]
        result = getattr(obj, request["name"])(*request["args"], **request["kwargs"])
        return self.kept(picked(result, request.get("pick")), request)

    def op_getattr(self, request):
        return getattr(self.objects[request["object"]], request["name"])

    def op_setattr(self, request):
        setattr(self.objects[request["object"]], request["name"], request["value"])

    def objects_in(self, value):
        """Arguments may name objects the worker holds (a model passed to a Solver)."""
        if isinstance(value, wire.Handle):
            return self.objects[value.id]
        if isinstance(value, dict):
            return {k: self.objects_in(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.objects_in(v) for v in value)
        return value

    def kept(self, result, request):
        """The result itself, or a handle to it when the grader asked to `keep` it here."""
        return self.keep(result) if request.get("keep") else result

    def keep(self, obj):
        handle = wire.Handle(len(self.objects) + 1, type(obj).__name__)
        self.objects[handle.id] = obj
        return handle

    def wrap(self, value):
        """Values go back as they are; an object the worker holds goes back as its handle (a
        module's `.double()` returns the module); any other object is refused."""
        for id, obj in self.objects.items():
            if value is obj and not isinstance(value, wire.Handle):
                return wire.Handle(id, type(obj).__name__)
        try:
            wire.encode(value)
        except wire.WireError as exc:
            raise TypeError(f"its result cannot be graded: {exc}") from None
        return value


def run_layer(forward, backward, args, kwargs, dout):
    """A layer's forward, then its backward on the forward's own cache: (out, grads). A forward
    with several outputs before its cache takes a tuple `dout`, one upstream gradient per output."""
    douts = dout if isinstance(dout, tuple) else (dout,)
    *outs, cache = forward(*args, **kwargs)
    out = tuple(outs) if len(outs) > 1 else outs[0]
    return out, backward(*douts, cache)


def picked(result, index):
    """`result[index]` when the grader wants one part of a tuple (e.g. a layer's `out` without its
    cache); a list of indices picks a tuple of parts (an LSTM step's `next_h` and `next_c`)."""
    if index is None:
        return result
    indices = index if isinstance(index, (list, tuple)) else [index]
    if not isinstance(result, (tuple, list)) or len(result) <= max(indices):
        raise TypeError(f"expected a tuple with at least {max(indices) + 1} items, got {type(result).__name__}")
    return tuple(result[i] for i in indices) if isinstance(index, (list, tuple)) else result[index]


def resolve(target):
    """Import `package.module.attr[.attr]` by trying the longest importable module prefix."""
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError as exc:
            if exc.name and ".".join(parts[:cut]).startswith(exc.name):
                continue
            raise
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(f"cannot import {target}")


def seed_everything(seed):
    """Seed numpy's and Python's generators, and torch's when torch is in use."""
    import numpy as np

    np.random.seed(seed)
    random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def describe(exc, root):
    """The error as the student should see it: type, message and the last line of their code."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    runtime = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # gradekit's own helpers
    for frame in reversed(frames):
        path = os.path.abspath(frame.filename)
        if path.startswith(root + os.sep) and not path.startswith(runtime):
            where = f"{os.path.relpath(frame.filename, root)}:{frame.lineno} in {frame.name}"
            break
    return {
        "type": type(exc).__name__,
        "message": explained(exc),
        "where": where,
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:],
    }


NUMPY_1_ALIASES = ("int", "float", "bool", "object", "str", "long", "unicode", "complex")
ARRAY_AS_NUMBER = ("only 0-dimensional arrays can be converted to Python scalars", "only length-1 arrays",
                   "setting an array element with a sequence")


def explained(exc):
    """The exception's message; for the numpy-1 idioms that numpy 2 (the course's, pinned in the
    release's requirements.txt) refuses, one line saying what to write instead."""
    message = str(exc)
    if isinstance(exc, AttributeError) and message.startswith("module 'numpy' has no attribute "):
        message = message.split("\n", 1)[0]
        name = message.rsplit(" ", 1)[-1].strip("'.")
        if name in NUMPY_1_ALIASES:
            builtin = {"long": "int", "unicode": "str"}.get(name, name)
            return (f"{message.rstrip('.')}: np.{name} was removed in numpy 1.24 and the course runs numpy 2; "
                    f"write {builtin}")
    if isinstance(exc, (TypeError, ValueError)) and any(text in message for text in ARRAY_AS_NUMBER):
        return (f"{message.rstrip('.')}: numpy 2, which the course runs, does not turn an array of one element "
                "into a number; take the number out with .item() (or index it)")
    return message


if __name__ == "__main__":
    main()
