"""Saving a PyTorch model so that the grader can rebuild it without running the student's code.

A model is saved as plain data: its weights (the `state_dict`, as arrays) and a description of its
layers (JSON: the class name of each layer and its constructor arguments). `load_torch_model`
rebuilds the network from standard `torch.nn` layers only, so the grader never imports or unpickles
anything a student wrote. This is why the model to be graded must be an `nn.Sequential` of the
layers in LAYERS (nested `nn.Sequential`s are fine); the notebook's `Flatten` counts as
`nn.Flatten`.
"""
import json
import os

import numpy as np
import torch
from torch import nn

# Layer class -> the attributes that are its constructor arguments (read back from an instance).
LAYERS = {
    "Conv2d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
               "padding_mode"),
    "Linear": ("in_features", "out_features"),
    "BatchNorm1d": ("num_features", "eps", "momentum", "affine", "track_running_stats"),
    "BatchNorm2d": ("num_features", "eps", "momentum", "affine", "track_running_stats"),
    "GroupNorm": ("num_groups", "num_channels", "eps", "affine"),
    "LayerNorm": ("normalized_shape", "eps", "elementwise_affine"),
    "ReLU": (), "ReLU6": (), "SiLU": (), "Tanh": (), "Sigmoid": (), "Identity": (),
    "LeakyReLU": ("negative_slope",),
    "ELU": ("alpha",),
    "GELU": ("approximate",),
    "MaxPool2d": ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
    "AvgPool2d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "AdaptiveAvgPool2d": ("output_size",),
    "AdaptiveMaxPool2d": ("output_size",),
    "Dropout": ("p",), "Dropout2d": ("p",),
    "Flatten": ("start_dim", "end_dim"),
}
WITH_BIAS = ("Conv2d", "Linear")  # their `bias` argument is whether the layer has one


def describe(model):
    """The layers of an `nn.Sequential` as JSON-ready data: [{"type": ..., "args": {...}}, ...]."""
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"the model to save must be an nn.Sequential, not {type(model).__name__}: "
                        "the grader rebuilds it from standard layers")
    return [describe_layer(layer) for layer in model]


def describe_layer(layer):
    if isinstance(layer, nn.Sequential):
        return {"type": "Sequential", "layers": describe(layer)}
    if type(layer).__name__ == "Flatten" and not isinstance(layer, nn.Flatten):  # the notebook's own
        return {"type": "Flatten", "args": {"start_dim": 1, "end_dim": -1}}
    kind = type(layer).__name__
    if kind not in LAYERS or type(layer) is not getattr(nn, kind):
        raise TypeError(f"layer {kind} cannot be saved for grading: use the standard torch.nn layers "
                        f"{', '.join(sorted(LAYERS))} (or nested nn.Sequential)")
    args = {name: plain(getattr(layer, name)) for name in LAYERS[kind]}
    if kind in WITH_BIAS:
        args["bias"] = layer.bias is not None
    return {"type": kind, "args": args}


def plain(value):
    """Tuples become lists, so that the description is JSON."""
    return list(value) if isinstance(value, tuple) else value


def save_torch_model(artifacts_dir, name, model, **numbers):
    """Write `<artifacts_dir>/<name>.npz`: the description (key "description", JSON text), the
    weights ("state/<parameter name>") and any extra `numbers` (e.g. epochs=10)."""
    description = json.dumps(describe(model))
    arrays = {"state/" + key: value.detach().cpu().numpy() for key, value in model.state_dict().items()}
    arrays.update({key: np.asarray(value) for key, value in numbers.items()})
    os.makedirs(artifacts_dir, exist_ok=True)
    path = os.path.join(artifacts_dir, name + ".npz")
    np.savez(path, description=np.array(description), **arrays)
    print(f"saved {len(model.state_dict())} weight tensors and the layer description to {path}")
    return path


def build(description, where="the description"):
    """An `nn.Sequential` of standard layers from a description made by `describe`."""
    if not isinstance(description, list):
        raise ValueError(f"{where} is not a list of layers")
    return nn.Sequential(*[build_layer(item, f"{where}, layer {i}") for i, item in enumerate(description)])


def build_layer(item, where):
    kind = item.get("type") if isinstance(item, dict) else None
    if kind == "Sequential":
        return build(item.get("layers"), where)
    if kind not in LAYERS:
        raise ValueError(f"{where}: layer type {kind!r} is not one of {', '.join(sorted(LAYERS))}")
    args = item.get("args", {})
    allowed = set(LAYERS[kind]) | ({"bias"} if kind in WITH_BIAS else set())
    if not isinstance(args, dict) or set(args) - allowed:
        raise ValueError(f"{where}: {kind} takes the arguments {sorted(allowed)}, got {args!r}")
    for name, value in args.items():
        if not is_plain(value):
            raise ValueError(f"{where}: argument {name} of {kind} is {value!r}, not a number, string or list")
    args = {name: tuple(value) if isinstance(value, list) else value for name, value in args.items()}
    try:
        return getattr(nn, kind)(**args)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {kind}({args}) cannot be built: {exc}") from None


def is_plain(value):
    if isinstance(value, list):
        return all(is_plain(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


def load_torch_model(path):
    """Rebuild the model saved by `save_torch_model` (eval mode) and return it with the extra
    numbers: (model, {name: value}). Raises ValueError naming the file on anything malformed."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {key: saved[key] for key in saved.files}
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} cannot be read as a saved model: {exc}") from None
    if "description" not in arrays:
        raise ValueError(f"{path} has no layer description (save it with save_torch_model)")
    try:
        description = json.loads(str(arrays.pop("description")))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: the layer description is not JSON: {exc}") from None
    model = build(description, where=path)
    state = {key[len("state/"):]: torch.from_numpy(value) for key, value in arrays.items() if key.startswith("state/")}
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(f"{path}: the weights do not fit the described layers: "
                         f"{' '.join(str(exc).split())[:500]}") from None
    numbers = {key: value for key, value in arrays.items() if not key.startswith("state/")}
    return model.float().eval(), numbers
