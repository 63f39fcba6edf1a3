"""The one restricted unpickler: a pickle of numpy arrays read without running any code from it.

`numpy_unpickle` allows only the globals it is given (`ARRAY_GLOBALS` rebuild plain numpy arrays;
`LABEL_MAP_GLOBALS` also numpy scalars and protocol-2 bytes); any other global is refused by name
before anything is called."""
import _codecs
import io
import pickle

import numpy as np

from gradekit.data import DataError

try:
    from numpy._core.multiarray import _reconstruct, scalar
except ImportError:  # numpy < 2
    from numpy.core.multiarray import _reconstruct, scalar

# The globals a pickle of plain numpy arrays refers to; nothing else can be loaded.
ARRAY_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}
# An object array's pickle (the ImageNet sample's label_map, numpy strings in a dict) also needs
# numpy scalars and the protocol-2 way of writing bytes (`_codecs.encode(str, "latin1")`).
LABEL_MAP_GLOBALS = {
    **ARRAY_GLOBALS,
    ("numpy.core.multiarray", "scalar"): scalar,
    ("numpy._core.multiarray", "scalar"): scalar,
    ("_codecs", "encode"): _codecs.encode,
}


class _NumpyUnpickler(pickle.Unpickler):
    def __init__(self, file, allowed, label):
        super().__init__(file)
        self.allowed, self.label = allowed, label

    def find_class(self, module, name):
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise DataError(f"{self.label}: refers to {module}.{name}, which is not allowed (a numpy "
                            "array pickle needs only numpy array reconstruction)") from None


def numpy_unpickle(data, allowed=ARRAY_GLOBALS, label="pickle"):
    """Unpickle `data` (bytes) allowing only the globals in `allowed` ({(module, name): object});
    DataError naming `label` for any other global or a damaged pickle."""
    try:
        return _NumpyUnpickler(io.BytesIO(data), allowed, label).load()
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of an untrusted pickle is bad data
        raise DataError(f"{label}: not a readable pickle ({type(exc).__name__}: {exc})") from None
