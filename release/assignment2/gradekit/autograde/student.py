"""The grading side of the trust boundary: a proxy for the student's code in a worker process.

`student.call("cs231n.classifiers.linear_svm.svm_loss_naive", W, X, y, reg)` runs the student's
function in the worker and returns plain values; `student.new(...)` creates an object there and
returns a proxy whose methods run there too, as does `student.call(..., keep=True)` for an object a
function returns (a torch module: `model(x)`, `model.double()`, or the helpers of `torch_ops`
called with the proxy as an argument). A call that raises, hangs or kills the worker
becomes a `StudentError` that names the function and the student's file and line.
"""
import os
import selectors
import signal
import subprocess
import sys
import time

from gradekit.autograde import wire
from gradekit.sandbox import Capture, Sandbox, capped

OUTPUT_BYTES = 1 << 20  # of the worker's own output (the student's prints), kept for messages

_RUNTIME_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def address_space_limit(wanted_mb):
    """(soft, hard) RLIMIT_AS for a worker wanting `wanted_mb` MiB: capped as the sandbox's limits
    are (`sandbox.capped`), the hard limit left as it is."""
    import resource

    return capped({"as": wanted_mb * 1024 * 1024})["as"], resource.getrlimit(resource.RLIMIT_AS)[1]


class StudentError(AssertionError):
    """The student's code raised, timed out or crashed; the message says where."""


class StudentProcess:
    """A lazily started worker importing the student's package from `root`."""

    def __init__(self, root, timeout=60.0, memory_limit_mb=6144, sandbox=None):
        """`sandbox`: a `gradekit.sandbox.Spec`; the worker then runs in a sandbox that reads `root`
        and writes nothing of it (without one, only an address-space limit applies)."""
        self.root = os.path.abspath(root)
        self.timeout = timeout
        self.memory_limit_mb = memory_limit_mb
        self.spec = sandbox
        self.box = None
        self.process = None
        self.generation = 0
        self.log = None

    def call(self, target, *args, seed=None, timeout=None, pick=None, with_args=False, keep=False, kwargs=None,
             **more):
        """Call a student function by its dotted path; returns its (plain) result.

        `pick=i` returns only `result[i]` (a layer's output without its cache); `with_args=True`
        returns {"result", "args", "kwargs"} with the arguments as the call left them (the course
        writes running statistics back into `bn_param`). Keyword arguments whose names the grader
        uses itself (`seed`, `timeout`, ...) go to the student's function through `kwargs={...}`.
        `keep=True` leaves the result in the worker and returns a proxy to it (a `RemoteObject`).
        """
        request = dict(op="call", target=target, args=args, kwargs={**more, **(kwargs or {})}, seed=seed, pick=pick,
                       with_args=with_args, keep=keep)
        return self._request(request, what=called(target, args), timeout=timeout)

    def layer(self, forward, backward, *args, dout, seed=None, timeout=None, **kwargs):
        """Run a layer's forward, then its backward on `dout` with the forward's cache: (out, grads).

        The cache never leaves the worker, so it may hold anything the student likes.
        """
        request = dict(op="layer", forward=forward, backward=backward, args=args, kwargs=kwargs,
                       dout=dout, seed=seed)
        return self._request(request, what=f"{short(forward)}/{short(backward)}", timeout=timeout)

    def new(self, target, *args, seed=None, kwargs=None, **more):
        """Create a student object (e.g. a classifier) in the worker; returns a proxy."""
        kwargs = {**more, **(kwargs or {})}
        return self._request(dict(op="new", target=target, args=args, kwargs=kwargs, seed=seed),
                             what=short(target))

    def request_call(self, target, *args, seed=None, pick=None, kwargs=None, **more):
        """A `call` for `batch`: (request, what) without sending it."""
        request = dict(op="call", target=target, args=args, kwargs={**more, **(kwargs or {})}, seed=seed, pick=pick,
                       with_args=False, keep=False)
        return request, called(target, args)

    def batch(self, requests, timeout=None):
        """Several requests (from `request_call`, `RemoteObject.request_method`, ...) in one
        message; returns their values in order. The worker answers each as it ends, and each has
        the call's whole time limit, as if sent alone; the first that raises, hangs or crashes
        ends the batch with its StudentError (the rest are not run)."""
        if not requests:
            return []
        self._ensure_started()
        timeout = timeout or self.timeout
        try:
            parts = wire.frame(handles_in(dict(op="batch", requests=[r for r, _ in requests]), self.generation))
        except wire.WireError as exc:
            raise TypeError(f"grader bug: {exc}") from None
        first = requests[0][1]
        self._write_request(parts, first, timeout, time.monotonic() + timeout)
        return [self._value(self._read_answer(what, timeout), what) for _, what in requests]

    def close(self):
        if self.process is not None:
            self._kill()

    # -- plumbing -------------------------------------------------------------------------
    def _request(self, request, what, timeout=None):
        """One request and its answer, both within `timeout` (the call's time limit) in all."""
        self._ensure_started()
        try:
            parts = wire.frame(handles_in(request, self.generation))
        except wire.WireError as exc:
            raise TypeError(f"grader bug: {exc}") from None
        timeout = timeout or self.timeout
        deadline = time.monotonic() + timeout
        self._write_request(parts, what, timeout, deadline)
        return self._value(self._read_answer(what, timeout, deadline), what)

    def _value(self, answer, what):
        """The value of an answer (a proxy for an object kept in the worker), or its StudentError."""
        if answer["ok"]:
            value = answer["value"]
            return RemoteObject(self, value, self.generation, what) if isinstance(value, wire.Handle) else value
        error = answer["error"]
        where = f" (at {error['where']})" if error["where"] else ""
        raise StudentError(f"{what} raised {error['type']}: {error['message']}{where}".strip())

    def _write_request(self, parts, what, timeout, deadline):
        """Writes a framed request without blocking: a worker that stops reading its input is
        killed at the deadline instead of holding the grader."""
        size = sum(len(part) for part in parts)
        if size > wire.MAX_MESSAGE_BYTES or len(parts[1]) > wire.MAX_HEADER_BYTES:
            raise TypeError(f"grader bug: a request of {size} bytes for {what} is more than the worker reads")
        fd = self.process.stdin.fileno()
        os.set_blocking(fd, False)
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_WRITE)
            for part in parts:
                view = memoryview(part)
                while view:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not selector.select(remaining):
                        self._kill()
                        raise StudentError(f"{what} stopped reading its input: its arguments were not read "
                                           f"within {timeout:g} s (time limit)")
                    try:
                        view = view[os.write(fd, view):]
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:
                        raise self._crashed(what) from None

    def _read_answer(self, what, timeout, deadline=None):
        """The worker's answer, all of it by the deadline, of at most `wire.MAX_MESSAGE_BYTES`,
        with only the arrays the checks grade (`wire.student_array`)."""
        deadline = time.monotonic() + timeout if deadline is None else deadline
        try:
            with _AnswerPipe(self.process.stdout.fileno(), deadline) as pipe:
                return wire.read_message(pipe, from_student=True)
        except EOFError:
            raise self._crashed(what) from None
        except _TimeUp:
            self._kill()
            raise StudentError(f"{what} did not return within {timeout:g} s (time limit)") from None
        except wire.RefusedArray as exc:  # the whole answer was read: the worker can go on
            raise StudentError(f"{what} {exc}") from None
        except wire.WireError as exc:  # too large (left unread) or malformed: a worker that lies
            self._kill()
            raise StudentError(f"{what} sent an answer the grader does not read: {exc}") from None

    def _crashed(self, what):
        code = self.process.wait()
        self._kill()
        tail = self.log.last_lines(3)
        detail = f"; last output: {' | '.join(tail)}" if tail else ""
        return StudentError(f"{what} ended the worker process (exit code {code}){detail}")

    def _ensure_started(self):
        if self.process is not None and self.process.poll() is None:
            return
        if self.process is not None:
            self._kill()
        self.generation += 1
        argv = [sys.executable, "-m", "gradekit.autograde.worker", self.root]
        self.log = Capture(OUTPUT_BYTES)
        try:
            if self.spec is None:
                env = dict(os.environ, PYTHONPATH=_RUNTIME_PARENT, PYTHONDONTWRITEBYTECODE="1")
                self.process = subprocess.Popen(
                    argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log.fd,
                    cwd=_RUNTIME_PARENT, env=env, start_new_session=True,
                    preexec_fn=self._limit_memory())
            else:
                self.box = Sandbox(self.spec, readable=[self.root], cwd=self.root,
                                   env={"PYTHONPATH": _RUNTIME_PARENT})
                self.process = subprocess.Popen(self.box.command(argv), stdin=subprocess.PIPE,
                                                stdout=subprocess.PIPE, stderr=self.log.fd, start_new_session=True)
        finally:
            self.log.close_writer()

    def _limit_memory(self):
        """The worker's address-space limit, or None where the platform cannot set one (Windows).
        Runs in the forked child, so it never raises: a hard limit lower than ours (a shared
        server's ulimit) caps it, and a platform that refuses RLIMIT_AS (macOS) leaves one line
        in the worker's log instead of failing every call."""
        if not self.memory_limit_mb or os.name != "posix":
            return None
        soft, hard = address_space_limit(self.memory_limit_mb)

        def limit():
            try:
                import resource

                resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
            except (ValueError, OSError) as exc:
                os.write(2, f"gradekit: the worker's memory limit of {self.memory_limit_mb} MiB was not "
                            f"applied ({type(exc).__name__}: {exc})\n".encode())

        return limit

    def _kill(self):
        """End the worker and, in a sandbox, every process it started."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.box is not None:
            self.box.close()
            self.box = None
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()
        self.process = None


class RemoteObject:
    """A student object living in the worker: attribute access calls its methods there, and
    calling it calls it there (`model(x)`); `keep=True` keeps a method's result there too."""

    def __init__(self, student, handle, generation, what):
        self._student, self._handle = student, handle
        self._generation, self._what = generation, what

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # protocols (numpy's __array__, copy's __deepcopy__) are not remote

        def method(*args, seed=None, timeout=None, keep=False, **kwargs):
            return self._send(dict(op="method", name=name, args=args, kwargs=kwargs, seed=seed, keep=keep),
                              f"{self._what}.{name}", timeout)
        return method

    def __call__(self, *args, seed=None, timeout=None, keep=False, **kwargs):
        return self._send(dict(op="method", name="__call__", args=args, kwargs=kwargs, seed=seed, keep=keep),
                          self._what, timeout)

    def __repr__(self):
        return f"<{self._what} in the student's worker: {self._handle!r}>"

    def get(self, name):
        """Read an attribute (e.g. `net.get("params")`)."""
        return self._send(dict(op="getattr", name=name), f"{self._what}.{name}")

    def set(self, name, value):
        """Set an attribute (e.g. to give a model known weights)."""
        self._send(dict(op="setattr", name=name, value=value), f"{self._what}.{name}")

    def request_method(self, name, *args, seed=None, pick=None, **kwargs):
        """A method call for `StudentProcess.batch` (`pick=i`: only `result[i]` comes back)."""
        return self._own(dict(op="method", name=name, args=args, kwargs=kwargs, seed=seed, pick=pick),
                         f"{self._what}.{name}")

    def request_set(self, name, value):
        """Setting an attribute, for `StudentProcess.batch`."""
        return self._own(dict(op="setattr", name=name, value=value), f"{self._what}.{name}")

    @property
    def student(self):
        """The `StudentProcess` whose worker holds this object."""
        return self._student

    def _own(self, request, what):
        if self._student.generation != self._generation or self._student.process is None:
            raise StudentError(f"{what}: the {self._what} object was lost when an earlier call "
                               "crashed or timed out")
        request["object"] = self._handle.id
        return request, what

    def _send(self, request, what, timeout=None):
        request, what = self._own(request, what)
        value = self._student._request(request, what, timeout)
        same = isinstance(value, RemoteObject) and value._handle.id == self._handle.id
        return self if same else value  # `model.double()` returns the model itself


def handles_in(value, generation):
    """Student objects passed as arguments travel as handles to the worker's objects."""
    if isinstance(value, RemoteObject):
        if value._generation != generation:
            raise StudentError(f"the {value._what} object was lost when an earlier call crashed or timed out")
        return value._handle
    if isinstance(value, dict):
        return {k: handles_in(v, generation) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(handles_in(v, generation) for v in value)
    return value


def called(target, args):
    """How messages name a call: `forward of build_dc_generator` for a helper given a kept object."""
    of = args[0]._what if args and isinstance(args[0], RemoteObject) else None
    return f"{short(target)} of {of}" if of else short(target)


def short(target):
    """`cs231n.classifiers.linear_svm.svm_loss_naive` -> `svm_loss_naive` for messages."""
    return target.rsplit(".", 1)[-1]


class _TimeUp(Exception):
    """The call's deadline passed while its answer was being read."""


class _AnswerPipe:
    """The worker's answer pipe as a stream for `wire.read_message` whose reads wait only until
    the call's deadline (then `_TimeUp`); each read returns what the pipe has, at most `n` bytes."""

    def __init__(self, fd, deadline):
        self.fd, self.deadline = fd, deadline
        self.selector = selectors.DefaultSelector()
        self.selector.register(fd, selectors.EVENT_READ)

    def read(self, n):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0 or not self.selector.select(remaining):
            raise _TimeUp
        return os.read(self.fd, n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.selector.close()
