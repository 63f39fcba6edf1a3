"""Values across the process boundary: a JSON tree plus an npz of arrays, never pickle.

Both sides read only what cannot execute code: `json`, and npz files read by `read_npz`, which
parses each array's .npy header itself and never unpickles. Nothing is read before its size is
known to be small enough: `read_message` refuses a message whose announced length is above its
limit (`MAX_MESSAGE_BYTES` unless told) before reading it, and `read_npz` (which artefacts use
too, lazily) refuses an npz whose arrays would decompress to more than its budget before
decompressing any, and an array whose .npy header claims more data than its member holds before
reading its data. Arrays from the student (`decode(..., from_student=True)`, on the grading side)
must be real numbers: `student_array` refuses complex, float16, object, string, void and datetime
arrays.
torch tensors travel as their arrays, tagged so that they come back as tensors of the same dtype
(and `requires_grad`); torch is imported only when a tensor is seen, so numpy-only users never
load it.
"""
import io
import json
import math
import struct
import sys
import zipfile
from collections.abc import Mapping

import numpy as np
from numpy.lib import format as npy

_LEN = struct.Struct(">Q")
_CHUNK = 1 << 20  # bytes read at a time: never one read of an announced length

MAX_MESSAGE_BYTES = 512 << 20
"""The largest message (header + arrays) `read_message` reads unless told: an answer, a request."""
MAX_HEADER_BYTES = 8 << 20
"""The largest JSON header and npz central directory read: parsed, they take 10-40x as much."""
_MAX_NPY_HEADER = 10000  # numpy's own default limit for an .npy header


class WireError(TypeError):
    """A value that cannot cross the boundary (objects, object arrays, ...), or a message that
    is too large or malformed."""


class RefusedArray(WireError):
    """An array from the student of a kind the checks do not grade (complex, float16, strings...)."""


def encode(value):
    """Turn a value tree into (header bytes, npz bytes)."""
    arrays = {}
    tree = _to_tree(value, arrays)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return json.dumps(tree).encode(), buf.getvalue()


def decode(header, blob, max_bytes=MAX_MESSAGE_BYTES, from_student=False):
    """Inverse of `encode`; the arrays may decompress to at most `max_bytes`. With `from_student`
    every array must pass `student_array` (the grading side reading an answer)."""
    try:
        tree = json.loads(header.decode())
        arrays = read_npz(blob, max_bytes, what="the message")
        if from_student:
            for array in arrays.values():
                student_array(array)
        return _from_tree(tree, arrays)
    except WireError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise WireError(f"malformed message: {type(exc).__name__}: {exc}") from None


def student_array(array):
    """`array` if the checks grade arrays like it: bool, integers, float32 or float64 (a torch
    tensor is checked as the array it crosses as); anything else raises `RefusedArray`."""
    values = array
    if _is_tensor(array):
        try:
            values = array.detach().cpu().resolve_conj().resolve_neg().numpy()
        except (TypeError, RuntimeError):  # bfloat16, quantized: no numpy equivalent
            raise RefusedArray(f"returned a {str(array.dtype).replace('torch.', '')} tensor; "
                               "only real float/integer arrays are graded") from None
    dtype = np.asarray(values).dtype
    if dtype.kind in "biu" or (dtype.kind == "f" and dtype.itemsize in (4, 8)):
        return array
    raise RefusedArray(f"returned a {dtype.name} array; only real float/integer arrays are graded")


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
    if isinstance(tree, str):  # interned, as the student's literals are: `cell_type is 'rnn'` holds as in a notebook
        return sys.intern(tree)
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


def frame(value):
    """One value as the byte strings to write in order (length, header, length, arrays)."""
    header, blob = encode(value)
    return [_LEN.pack(len(header)), header, _LEN.pack(len(blob)), blob]


def write_message(stream, value):
    """Frame one value onto a binary stream."""
    for part in frame(value):
        stream.write(part)
    stream.flush()


def read_message(stream, max_bytes=MAX_MESSAGE_BYTES, from_student=False):
    """Read one framed value of at most `max_bytes` (header and arrays, as announced, and the
    arrays decompressed); a larger announced length is refused before anything more is read.
    EOFError when the other side has gone. `from_student`: see `decode`."""
    header_size = _read_length(stream)
    if header_size > min(max_bytes, MAX_HEADER_BYTES):
        raise WireError(f"a message header of {_size(header_size)} was announced; "
                        f"the limit is {_size(min(max_bytes, MAX_HEADER_BYTES))}")
    header = _read_exact(stream, header_size)
    blob_size = _read_length(stream)
    if header_size + blob_size > max_bytes:
        raise WireError(f"a message of {_size(header_size + blob_size)} was announced; "
                        f"the limit is {_size(max_bytes)}")
    return decode(header, _read_exact(stream, blob_size), max_bytes, from_student)


def _read_length(stream):
    return _LEN.unpack(_read_exact(stream, _LEN.size))[0]


def _read_exact(stream, n):
    """`n` bytes, read at most `_CHUNK` at a time (n has been checked against a limit)."""
    chunks = []
    while n:
        chunk = stream.read(min(n, _CHUNK))
        if not chunk:
            raise EOFError("the other process closed the connection")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _size(n):
    """6442450944 -> '6 GiB' for messages."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}" if n < 1000 * scale else f"{n / scale:.0f} {unit}"
    return f"{n} bytes"


# -- npz files ----------------------------------------------------------------------------------
def read_npz(source, budget, lazy=False, what="the npz file"):
    """The arrays of an npz (bytes, or a path), never more than `budget` bytes of them.

    Refused (`WireError`) before anything is decompressed: members whose declared uncompressed
    sizes add up to more than `budget`. Refused when an array is read: a member that is not an
    .npy array, an object dtype, a header whose shape x itemsize is more than the member holds.
    Eagerly: a dict of every array. `lazy=True`: an `NpzArrays` mapping that reads an array only
    when its key is indexed (`in`, `keys()` and iterating read nothing).
    """
    arrays = NpzArrays(source, budget, what)
    if lazy:
        return arrays
    with arrays:
        return {key: arrays[key] for key in arrays}


class NpzArrays(Mapping):
    """A read-only mapping of an npz's arrays, each read (once) when its key is indexed."""

    def __init__(self, source, budget, what="the npz file"):
        self._file = io.BytesIO(source) if isinstance(source, (bytes, bytearray, memoryview)) else open(source, "rb")
        try:
            _check_directory(self._file, what)
            self._zip = zipfile.ZipFile(self._file)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as exc:
            self._file.close()
            raise WireError(f"{what} is not a readable npz file: {exc}") from None
        except WireError:
            self._file.close()
            raise
        infos = self._zip.infolist()
        total = sum(info.file_size for info in infos)
        if total > budget:
            self.close()
            raise WireError(f"{what} holds {_size(total)} of arrays when decompressed; "
                            f"the limit is {_size(budget)}")
        self._members = {info.filename[:-4] if info.filename.endswith(".npy") else info.filename: info
                         for info in infos}
        self._arrays = {}

    def __getitem__(self, key):
        if key not in self._members:
            raise KeyError(key)
        if key not in self._arrays:
            self._arrays[key] = self._read(key, self._members[key])
        return self._arrays[key]

    def __iter__(self):
        return iter(self._members)

    def __len__(self):
        return len(self._members)

    def __contains__(self, key):
        return key in self._members

    def __repr__(self):
        return f"<npz arrays {sorted(self._members)}>"

    def close(self):
        self._zip.close()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read(self, key, info):
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WireError(f"array {key!r} is compressed with an unsupported method")
        try:
            with self._zip.open(info) as member:
                shape, fortran, dtype, header_size = _npy_header(member, key)
                nbytes = math.prod(shape) * dtype.itemsize
                if nbytes > info.file_size - header_size:
                    raise WireError(f"array {key!r} claims shape {shape} of {dtype} ({_size(nbytes)}) but holds "
                                    f"{_size(max(info.file_size - header_size, 0))}")
                raw = np.empty(nbytes, dtype=np.uint8)
                view, done = memoryview(raw), 0
                while done < nbytes:
                    chunk = member.read(min(nbytes - done, _CHUNK))
                    if not chunk:
                        raise WireError(f"array {key!r} ends before its data does")
                    view[done:done + len(chunk)] = chunk
                    done += len(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error,
                RuntimeError) as exc:  # RuntimeError: an encrypted member
            raise WireError(f"array {key!r} cannot be read: {exc}") from None
        if dtype.itemsize == 0:
            return np.zeros(shape, dtype=dtype)
        return raw.view(dtype).reshape(shape, order="F" if fortran else "C")


def _check_directory(file, what):
    """Refuses a zip central directory above `MAX_HEADER_BYTES`: zipfile parses every entry of
    it into an object before anything else can be checked."""
    end = zipfile._EndRecData(file)  # the end-of-directory record: where the directory is, its size
    if end is not None and end[zipfile._ECD_SIZE] > MAX_HEADER_BYTES:
        raise WireError(f"{what} has a zip directory of {_size(end[zipfile._ECD_SIZE])}; "
                        f"the limit is {_size(MAX_HEADER_BYTES)}")
    file.seek(0)


def _npy_header(member, key):
    """(shape, fortran_order, dtype, header bytes) of an .npy member, its header length checked
    before the header is read; object dtypes are refused."""
    version = npy.read_magic(member)
    if version not in ((1, 0), (2, 0)):
        raise WireError(f"array {key!r} has an unsupported .npy version {version}")
    length_format = "<H" if version == (1, 0) else "<I"
    length_bytes = member.read(struct.calcsize(length_format))
    (length,) = struct.unpack(length_format, length_bytes)
    if length > _MAX_NPY_HEADER:
        raise WireError(f"array {key!r} has an .npy header of {_size(length)}; the limit is {_size(_MAX_NPY_HEADER)}")
    header = length_bytes + member.read(length)
    read_header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
    shape, fortran, dtype = read_header(io.BytesIO(header))
    if dtype.hasobject:
        raise WireError(f"array {key!r} is an array of Python objects")
    if any(n < 0 for n in shape):
        raise WireError(f"array {key!r} has a negative shape {shape}")
    return shape, fortran, dtype, npy.MAGIC_LEN + len(header)
