"""Generic torch helpers that checks run next to the model: in the worker for the student's
objects, in the grading process for the reference's.

A check gets a student's module with `model = student.call("cs231n.gan.generator", 4, keep=True)`
and then calls these by name with the module as argument, e.g.
`student.call("gradekit.autograde.torch_ops.count_params", model)`; `reference.call(...)` runs the
same helper on the reference's module. Only plain values come back (ints, arrays, tensors, a
verdict), so nothing the student defines crosses to the grading process.
"""
import numpy as np
import torch

OPS = "gradekit.autograde.torch_ops."


def count_params(model):
    """The number of scalar parameters (the notebook's `count_params`)."""
    return int(sum(p.numel() for p in model.parameters()))


def type_name(obj):
    """The class name of an object (e.g. "Adam" for the optimizer a function built)."""
    return type(obj).__name__


def optimized_params(optimizer, model):
    """(how many of the model's parameter tensors the optimizer updates, how many it has)."""
    mine = {id(p) for group in optimizer.param_groups for p in group["params"]}
    params = list(model.parameters())
    return sum(id(p) in mine for p in params), len(params)


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


def gradcheck(target, *inputs, wrt=None, eps=1e-6, atol=1e-5, rtol=1e-3):
    """torch.autograd.gradcheck of a function (dotted path or a callable such as a module) at
    `inputs` in float64, with respect to the inputs numbered in `wrt` (default: the floating ones).

    Arrays and tensors become float64 tensors (integer ones keep their dtype); a list or tuple of
    them (e.g. the feature maps that style_loss takes) is checked tensor by tensor; anything else
    (numbers such as a loss weight, lists of layer indices) is passed as it is, not differentiated.

    Returns {"passed": bool, "message": str}: the verdict and, when it fails, why (torch's message
    with the numerical and analytical Jacobians, shortened). The function's own errors propagate,
    so that an unfinished function is reported as such, not as a failed gradient check."""
    function = callable_of(target)
    if isinstance(function, torch.nn.Module):
        function.double()
    inputs = [float64_leaves(x) for x in inputs]
    wrt = [i for i, x in enumerate(inputs) if floating_leaves(x)] if wrt is None else list(wrt)
    leaves = [leaf for i in wrt for leaf in floating_leaves(inputs[i])]
    for leaf in leaves:
        leaf.requires_grad_(True)

    def of_leaves(*values):
        """`function` with the checked tensors replaced by `values`, in order."""
        replace = dict(zip(map(id, leaves), values))

        def swap(x):
            return replace.get(id(x), x)
        return function(*[type(x)(map(swap, x)) if isinstance(x, (list, tuple)) else swap(x) for x in inputs])

    output = function(*inputs)
    if not isinstance(output, torch.Tensor) or not output.requires_grad:
        return {"passed": False, "message": "its result is not a tensor that depends on the inputs through "
                                            "torch operations (no gradient flows back to them)"}
    try:
        passed = torch.autograd.gradcheck(of_leaves, tuple(leaves), eps=eps, atol=atol, rtol=rtol)
        return {"passed": bool(passed), "message": ""}
    except RuntimeError as exc:  # torch's GradcheckError is one
        return {"passed": False, "message": " ".join(str(exc).split())[:600]}


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
