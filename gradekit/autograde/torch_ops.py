"""Torch helpers of the checks, in two parts separated by the trust boundary.

Worker side, raw accessors: a check keeps a student's module in the worker
(`model = student.call("cs231n.gan.generator", 4, keep=True)`) and calls these by name with it,
e.g. `student.call(OPS + "parameter_shapes", model)`; `reference.call(...)` runs the same accessor
on the reference's module in the grading process. They return raw values only (outputs,
gradients, parameter arrays, names and shapes, optimizer settings, class names) and decide
nothing: the student's code shares the worker with them and may replace any of them, or torch.

Grading side, verdicts: `gradcheck`, `parameter_count` (`count_params`), `class_name`,
`optimized_params`. They run in the pytest process, take the caller (the `student` or `reference`
fixture) first, ask it for raw values, check the form of the answer and do every count,
comparison, type decision and gradient check here. Never call them through `student.call`.
"""
import math

import numpy as np
import torch

OPS = "gradekit.autograde.torch_ops."


# -- worker side: raw accessors -------------------------------------------------------------------
def parameter_shapes(model):
    """[(name, shape)] of the model's parameters (not its buffers), in its own order."""
    return [(name, tuple(p.shape)) for name, p in model.named_parameters()]


def class_names(obj):
    """The names of the object's class and of its bases in resolution order (["SGD", "Optimizer", "object"])."""
    return [cls.__name__ for cls in type(obj).__mro__]


def optimizer_state(optimizer, model):
    """The optimizer's `param_groups` as raw values: each group's plain settings (numbers,
    booleans, strings, None and tuples of them) and, under "params", the name in `model` of each
    tensor it updates (None for one that is not the model's); under "model_params", the names of
    all the model's parameters, in order."""
    names = {id(p): name for name, p in model.named_parameters()}
    groups = [{**{key: value for key, value in group.items() if key != "params" and _plain(value)},
               "params": [names.get(id(p)) for p in group["params"]]} for group in optimizer.param_groups]
    return {"param_groups": groups, "model_params": list(names.values())}


def _plain(value):
    if isinstance(value, (list, tuple)):
        return all(map(_plain, value))
    return value is None or isinstance(value, (bool, int, float, str))


def shapes(model):
    """[(name, shape)] of every parameter and buffer, in the model's own order."""
    return [(name, tuple(value.shape)) for name, value in model.state_dict().items()]


def state_dict(model):
    """{name: numpy array} of every parameter and buffer (batchnorm statistics too)."""
    return {name: value.detach().cpu().numpy().copy() for name, value in model.state_dict().items()}


def load_state(model, state, by_order=False):
    """Load `state` ({name: array}) into `model`. With `by_order` the names are ignored and the
    entries are matched in order (so that Sequentials built with other layer indices, e.g. without
    a leading Flatten, can take the reference's weights); shapes must agree either way."""
    own = model.state_dict()
    if by_order:
        if len(state) != len(own):
            raise ValueError(f"the model has {len(own)} parameter and buffer tensors ({describe(own)}), "
                             f"expected {len(state)} ({describe(state)})")
        state = dict(zip(own, state.values()))
    for name, value in state.items():
        if name in own and tuple(own[name].shape) != tuple(np.shape(value)):
            raise ValueError(f"{name} has shape {tuple(own[name].shape)}, expected {tuple(np.shape(value))}")
    model.load_state_dict({name: torch.as_tensor(np.asarray(value)).to(own[name].dtype) if name in own
                           else torch.as_tensor(np.asarray(value)) for name, value in state.items()})


def describe(state):
    return ", ".join(f"{name} {tuple(np.shape(value))}" for name, value in state.items())


def forward(model, *inputs, seed=None, mode=None, dtype=None):
    """`model(*inputs)` without gradients. `mode` "train"/"eval" sets the mode first (batchnorm);
    `dtype` "float64" converts the model and the inputs first (in place: the model stays so);
    otherwise floating inputs (numpy's are float64) take the dtype of the model's parameters."""
    if mode is not None:
        model.train(mode == "train")
    if dtype is not None:
        model.to(getattr(torch, dtype))
    inputs = [as_tensor(x, dtype or param_dtype(model)) for x in inputs]
    if seed is not None:
        torch.manual_seed(seed)
    with torch.no_grad():
        return model(*inputs)


def param_dtype(model):
    """The name of the model's floating dtype ("float32"), or None without parameters."""
    dtypes = [p.dtype for p in model.parameters() if p.is_floating_point()]
    return str(dtypes[0]).replace("torch.", "") if dtypes else None


def as_tensor(value, dtype=None):
    tensor = torch.as_tensor(np.asarray(value) if isinstance(value, np.ndarray) else value)
    return tensor.to(getattr(torch, dtype)) if dtype is not None and tensor.is_floating_point() else tensor


def autograd_values(target, *inputs, wrt=None, steps=None):
    """The raw values `gradcheck` compares, for a function (dotted path, or a callable such as a
    module, made float64) at `inputs` as `gradient_leaves` converts them.

    Returns {"tensor": whether the result is a tensor, "type": the result's type name} and, for
    a tensor, "requires_grad" (whether it depends on the leaves through torch operations) and
    "output" (float64); for one that requires gradients also "jacobian" (per leaf, the autograd
    gradient of every entry of the result: (result entries, *leaf shape)) and "perturbed" (the
    results at the perturbed inputs: (steps, *result shape)). `steps` = {"leaf", "index",
    "delta"}, arrays of one length chosen by the grader: step k evaluates the function with the
    entry `index[k]` (flat) of leaf `leaf[k]` set to its value plus `delta[k]`, all else as given.
    The function's own errors propagate (an unfinished function is reported as such)."""
    function = callable_of(target)
    if isinstance(function, torch.nn.Module):
        function.double()
    inputs, leaves, _ = gradient_leaves(inputs, wrt)
    for leaf in leaves:
        leaf.requires_grad_(True)

    def of_leaves(values):
        """`function` with the leaves replaced by `values`, in order."""
        replace = dict(zip(map(id, leaves), values))

        def swap(x):
            return replace.get(id(x), x)
        return function(*[type(x)(map(swap, x)) if isinstance(x, (list, tuple)) else swap(x) for x in inputs])

    output = function(*inputs)
    answer = {"tensor": isinstance(output, torch.Tensor), "type": type(output).__name__}
    if not answer["tensor"]:
        return answer
    answer.update(requires_grad=bool(output.requires_grad), output=output.detach().double().numpy().copy())
    if not output.requires_grad:
        return answer
    flat = output.reshape(-1)
    rows = [torch.autograd.grad(flat[k], leaves, retain_graph=True, allow_unused=True) for k in range(flat.numel())]
    answer["jacobian"] = [np.stack([np.zeros(tuple(leaf.shape)) if row[i] is None else row[i].detach().double().numpy()
                                    for row in rows]) for i, leaf in enumerate(leaves)]
    steps = steps or {"leaf": [], "index": [], "delta": []}
    perturbed = []
    for leaf, index, delta in zip(steps["leaf"], steps["index"], steps["delta"]):
        values = [x.detach().clone() for x in leaves]
        entry = values[int(leaf)].view(-1)
        entry[int(index)] = entry[int(index)] + float(delta)
        result = of_leaves([v.requires_grad_(True) for v in values])
        result = np.asarray(result.detach().double() if isinstance(result, torch.Tensor) else result, dtype=np.float64)
        if result.shape != answer["output"].shape:
            raise ValueError(f"its result has shape {result.shape} at a perturbed input, {answer['output'].shape} "
                             "at the input")
        perturbed.append(result)
    answer["perturbed"] = np.stack(perturbed) if perturbed else np.zeros((0,) + answer["output"].shape)
    return answer


def repeated(target, times, x, *args, **kwargs):
    """`target(x, *args, **kwargs)` called `times` times in a row on the same `x`, which it updates
    in place (an optimisation step such as the class-visualization update); returns `x` as the
    calls left it. In-place updates are lost across the worker boundary, and a step that leaves
    state behind (an unzeroed `x.grad`) shows only from the second call on."""
    function = callable_of(target)
    for _ in range(times):
        function(x, *args, **kwargs)
    return x


def callable_of(target):
    """A dotted path ("cs231n.gan.generator") resolved as the worker resolves calls; a callable as it is."""
    from gradekit.autograde.worker import resolve

    return resolve(target) if isinstance(target, str) else target


def gradient_leaves(inputs, wrt=None):
    """(inputs, leaves, labels) of a gradient check: the inputs made by `float64_leaves`, the
    floating tensors of those numbered in `wrt` (default: every input that has some), in order,
    and how messages name each ("argument 1", or "argument 0[2]" for a tensor of a list). Both
    sides run it: the worker to differentiate, the grader to choose the perturbations."""
    inputs = [float64_leaves(x) for x in inputs]
    wrt = [i for i, x in enumerate(inputs) if floating_leaves(x)] if wrt is None else list(wrt)
    leaves, labels = [], []
    for i in wrt:
        found = floating_leaves(inputs[i])
        leaves += found
        if isinstance(inputs[i], (list, tuple)):
            labels += [f"argument {i}[{j}]" for j, x in enumerate(inputs[i]) if any(x is leaf for leaf in found)]
        else:
            labels += [f"argument {i}"] * len(found)
    return inputs, leaves, labels


def float64_leaves(value):
    """An array or tensor as a detached float64 tensor (integer ones keep their dtype), a list or
    tuple of them likewise element by element; any other value unchanged."""
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return as_tensor(value, "float64").detach().clone()
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (np.ndarray, torch.Tensor)) for v in value):
        return type(value)(float64_leaves(v) for v in value)
    return value


def floating_leaves(value):
    """The floating tensors of an input made by `float64_leaves`, in order."""
    items = value if isinstance(value, (list, tuple)) else [value]
    return [x for x in items if isinstance(x, torch.Tensor) and x.is_floating_point()]


# -- grading side: verdicts on raw values -------------------------------------------------------
class Malformed(AssertionError):
    """An answer of a raw accessor that does not have the form it promises (a replaced helper)."""


def gradcheck(caller, target, *inputs, wrt=None, eps=1e-6, atol=1e-5, rtol=1e-3):
    """The gradient check of `target` (a dotted path, or a module kept in the worker) at `inputs`
    in float64, with respect to the inputs numbered in `wrt` (default: the floating ones), decided
    here: the worker gives its autograd Jacobian and its results at inputs perturbed by -eps and
    +eps entry by entry (the perturbations chosen here, all in one request), and the analytical
    Jacobian must match the centred differences as torch.autograd.gradcheck compares them:
    |analytical - numerical| <= atol + rtol * |numerical| at every entry.

    Arrays and tensors become float64 tensors (integer ones keep their dtype); a list or tuple of
    them (e.g. the feature maps that style_loss takes) is checked tensor by tensor; anything else
    (numbers such as a loss weight, lists of layer indices) is passed as it is, not differentiated.

    Returns {"passed": bool, "message": str}: the verdict and, when it fails, why (with the
    numerical and analytical Jacobians, shortened). The function's own errors propagate, so that
    an unfinished function is reported as such, not as a failed gradient check."""
    _, leaves, labels = gradient_leaves(inputs, wrt)
    if not leaves:
        return {"passed": False, "message": "no input holds a floating tensor to differentiate"}
    sizes = [leaf.numel() for leaf in leaves]
    steps = {"leaf": np.repeat(np.arange(len(leaves)), [2 * n for n in sizes]),
             "index": np.concatenate([np.repeat(np.arange(n), 2) for n in sizes]),
             "delta": np.tile([-eps, eps], sum(sizes))}
    try:
        answer = caller.call(OPS + "autograd_values", target, *inputs, wrt=wrt, steps=steps)
    except AssertionError as exc:  # the function's own error, from the worker: named as the check calls it
        name = target.rsplit(".", 1)[-1] if isinstance(target, str) else "the module"
        raise type(exc)(str(exc).replace("autograd_values", f"gradcheck of {name}", 1)) from None
    try:
        output, jacobians, perturbed = _autograd_answer(answer, leaves, len(steps["delta"]))
    except Malformed as exc:
        return {"passed": False, "message": f"the worker's answer cannot be graded: {exc}"}
    if output is None:
        return {"passed": False, "message": "its result is not a tensor that depends on the inputs through "
                                            "torch operations (no gradient flows back to them)"}
    perturbed = perturbed.reshape(sum(sizes), 2, output.size)
    numerical = (perturbed[:, 1] - perturbed[:, 0]) / (2 * eps)  # (input entries, output entries)
    start = 0
    for leaf, label, size, analytical in zip(leaves, labels, sizes, jacobians):
        rows, start = numerical[start:start + size].T, start + size
        message = _mismatch(analytical.reshape(-1, size), rows, output.shape, tuple(leaf.shape), label, atol, rtol)
        if message:
            return {"passed": False, "message": message[:600]}
    return {"passed": True, "message": ""}


def _autograd_answer(answer, leaves, steps):
    """(output, [analytical Jacobian per leaf], perturbed results) of `autograd_values`' answer,
    its form checked; output None when the result is not a tensor that requires gradients."""
    if not isinstance(answer, dict) or not isinstance(answer.get("tensor"), bool):
        raise Malformed(f"autograd_values gave {type(answer).__name__}, not its dict")
    if not answer["tensor"] or answer.get("requires_grad") is not True:
        return None, None, None
    output = _floats(answer.get("output"), "the output")
    jacobians = answer.get("jacobian")
    if not isinstance(jacobians, list) or len(jacobians) != len(leaves):
        raise Malformed(f"expected {len(leaves)} Jacobians, one per input tensor")
    jacobians = [_floats(j, "a Jacobian", (output.size,) + tuple(leaf.shape)) for j, leaf in zip(jacobians, leaves)]
    perturbed = _floats(answer.get("perturbed"), "the perturbed results", (steps,) + output.shape)
    return output, jacobians, perturbed


def _floats(value, what, shape=None):
    if isinstance(value, torch.Tensor):
        value = value.detach().numpy()
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
        raise Malformed(f"{what} is a {type(value).__name__}, not an array of numbers")
    if shape is not None and value.shape != tuple(shape):
        raise Malformed(f"{what} has shape {value.shape}, expected {tuple(shape)}")
    return value.astype(np.float64)


def _mismatch(analytical, numerical, out_shape, shape, label, atol, rtol):
    """Why the (output entries, input entries) Jacobians differ, or "" when they agree."""
    difference = np.abs(analytical - numerical)
    bad = ~(difference <= atol + rtol * np.abs(numerical))  # NaN fails too
    if not bad.any():
        return ""
    k, j = np.unravel_index(np.argmax(np.where(bad, np.nan_to_num(difference, nan=np.inf), -1)), bad.shape)
    at = f"output entry {_entry(k, out_shape)}, " if len(out_shape) else ""
    return (f"Jacobian mismatch with respect to {label} {shape}: {int(bad.sum())} of {bad.size} entries differ by "
            f"more than atol {atol:g} + rtol {rtol:g} * |numerical|; the largest at {at}input entry "
            f"{_entry(j, shape)}: numerical {numerical[k, j]:.6g}, analytical {analytical[k, j]:.6g}; "
            f"numerical {_short(numerical)} analytical {_short(analytical)}")


def _entry(flat, shape):
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _short(array):
    return np.array2string(array.ravel()[:12], precision=4, separator=", ", max_line_width=10**6) + \
        (" ..." if array.size > 12 else "")


def count_params(params):
    """The number of scalar parameters (the notebook's `count_params`) of [(name, shape)] as
    `parameter_shapes` gives them; a module of this process (the reference's) is read with
    `parameter_shapes` first."""
    if isinstance(params, torch.nn.Module):
        params = parameter_shapes(params)
    if not isinstance(params, (list, tuple)) or not all(
            isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], (list, tuple))
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in p[1]) for p in params):
        raise Malformed(f"parameter_shapes gave {_repr(params)}, not a list of (name, shape)")
    return sum(math.prod(shape) for _, shape in params)


def parameter_count(caller, model):
    """`count_params` of a model that lives with `caller`, counted here from its (name, shape) list."""
    return count_params(caller.call(OPS + "parameter_shapes", model))


def class_name(caller, obj):
    """The name of the class of an object that lives with `caller` (e.g. "Adam" for the optimizer a
    function built), read from its `class_names`."""
    names = caller.call(OPS + "class_names", obj)
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise Malformed(f"class_names gave {_repr(names)}, not a list of class names")
    return names[0]


def optimized_params(caller, optimizer, model):
    """(how many of the model's parameter tensors the optimizer updates, how many it has), counted
    here from `optimizer_state`."""
    state = caller.call(OPS + "optimizer_state", optimizer, model)
    try:
        model_params = state["model_params"]
        updated = {name for group in state["param_groups"] for name in group["params"]}
        assert isinstance(model_params, list) and all(isinstance(n, str) for n in model_params)
        assert all(n is None or isinstance(n, str) for n in updated)
    except (AssertionError, TypeError, KeyError) as exc:
        raise Malformed(f"optimizer_state gave {_repr(state)}, not its dict") from exc
    return sum(name in updated for name in set(model_params)), len(set(model_params))


def _repr(value):
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."
