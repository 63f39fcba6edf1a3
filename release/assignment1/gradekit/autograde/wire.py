"""Values across the process boundary: a JSON tree plus an npz of arrays, never pickle.

Both sides read only what cannot execute code: `json` and `np.load(..., allow_pickle=False)`.
torch tensors travel as their arrays, tagged so that they come back as tensors of the same dtype
(and `requires_grad`); torch is imported only when a tensor is seen, so numpy-only users never
load it.
"""
import io
import json
import struct
import sys

import numpy as np

_LEN = struct.Struct(">Q")


class WireError(TypeError):
    """A value that cannot cross the boundary (objects, object arrays, ...)."""


def encode(value):
    """Turn a value tree into (header bytes, npz bytes)."""
    arrays = {}
    tree = _to_tree(value, arrays)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return json.dumps(tree).encode(), buf.getvalue()


def decode(header, blob):
    """Inverse of `encode`."""
    tree = json.loads(header.decode())
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    return _from_tree(tree, arrays)


def _to_tree(value, arrays):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise WireError("an array of Python objects cannot be returned; use numbers")
        name = "a%d" % len(arrays)
        arrays[name] = array
        return {"$array" if isinstance(value, np.ndarray) else "$scalar": name}
    if _is_tensor(value):
        return _tensor_to_tree(value, arrays)
    if isinstance(value, int):
        return {"$int": str(value)}
    if isinstance(value, float):
        return {"$float": repr(value)}
    if isinstance(value, (list, tuple)):
        items = [_to_tree(v, arrays) for v in value]
        return {"$tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {"$dict": [[_to_tree(k, arrays), _to_tree(v, arrays)] for k, v in value.items()]}
    if isinstance(value, Handle):
        return {"$object": value.id, "type": value.type}
    raise WireError(f"a value of type {type(value).__name__} cannot cross the grading boundary")


def _from_tree(tree, arrays):
    if isinstance(tree, list):
        return [_from_tree(t, arrays) for t in tree]
    if not isinstance(tree, dict):
        return tree
    (kind, payload), *_ = tree.items()
    if kind == "$int":
        return int(payload)
    if kind == "$float":
        return float(payload)
    if kind == "$array":
        return arrays[payload]
    if kind == "$scalar":
        return arrays[payload][()]
    if kind == "$tensor":
        return _tensor_from_tree(tree, arrays)
    if kind == "$tuple":
        return tuple(_from_tree(t, arrays) for t in payload)
    if kind == "$dict":
        return {_freeze(_from_tree(k, arrays)): _from_tree(v, arrays) for k, v in payload}
    if kind == "$object":
        return Handle(payload, tree.get("type", "object"))
    raise WireError(f"unknown wire tag {kind!r}")


def _is_tensor(value):
    """A torch tensor (a Parameter too); without importing torch when nobody has."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _tensor_to_tree(tensor, arrays):
    """The tensor's values as an npz array; `grad` says it required gradients."""
    torch = sys.modules["torch"]
    if tensor.dtype == torch.bfloat16 or tensor.layout != torch.strided:
        raise WireError(f"a {tensor.dtype} {tensor.layout} tensor cannot be returned; use a dense float32/float64 one")
    name = "t%d" % len(arrays)
    arrays[name] = tensor.detach().cpu().resolve_conj().resolve_neg().numpy()
    return {"$tensor": name, "grad": bool(tensor.requires_grad)}


def _tensor_from_tree(tree, arrays):
    import torch

    tensor = torch.from_numpy(arrays[tree["$tensor"]].copy())
    return tensor.requires_grad_() if tree.get("grad") else tensor


def _freeze(key):
    return tuple(key) if isinstance(key, list) else key


class Handle:
    """A reference to an object that lives in the worker process."""

    def __init__(self, id, type):
        self.id, self.type = id, type

    def __repr__(self):
        return f"<worker {self.type} #{self.id}>"


def write_message(stream, value):
    """Frame one value onto a binary stream."""
    header, blob = encode(value)
    stream.write(_LEN.pack(len(header)) + header + _LEN.pack(len(blob)) + blob)
    stream.flush()


def read_message(stream):
    """Read one framed value; EOFError when the other side has gone."""
    header = _read_exact(stream, _LEN.unpack(_read_exact(stream, _LEN.size))[0])
    blob = _read_exact(stream, _LEN.unpack(_read_exact(stream, _LEN.size))[0])
    return decode(header, blob)


def _read_exact(stream, n):
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError("the other process closed the connection")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)
