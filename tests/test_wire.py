"""Values cross the grading boundary as JSON and npz, exactly and without pickle."""
import io
import json
import re
import struct
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy

from gradekit.autograde import plugin, wire
from gradekit.autograde.plugin import Artifacts

pytestmark = pytest.mark.unit


def round_trip(value):
    return wire.decode(*wire.encode(value))


def test_arrays_scalars_and_containers_survive_a_round_trip():
    value = {"W": np.arange(6.0).reshape(2, 3), "n": np.int64(3), "loss": np.float64(0.25),
             "history": [1.5, 2, None, True, "text"], "pair": (np.zeros(2, dtype=np.float32), 7)}
    back = round_trip(value)
    assert back["W"].dtype == np.float64 and np.array_equal(back["W"], value["W"])
    assert back["n"] == 3 and isinstance(back["n"], np.integer)
    assert back["loss"] == 0.25 and back["history"] == [1.5, 2, None, True, "text"]
    assert isinstance(back["pair"], tuple) and back["pair"][0].dtype == np.float32


def test_python_floats_keep_every_bit():
    assert round_trip(0.1 + 0.2) == 0.1 + 0.2
    assert round_trip(float("inf")) == float("inf")


def test_dicts_with_tuple_keys_survive():
    assert round_trip({(1e-7, 2.5e4): (0.3, 0.4)}) == {(1e-7, 2.5e4): (0.3, 0.4)}


def test_object_arrays_are_refused():
    with pytest.raises(wire.WireError, match="Python objects"):
        wire.encode(np.array([object()], dtype=object))


def test_arbitrary_objects_are_refused():
    with pytest.raises(wire.WireError, match="cannot cross"):
        wire.encode({"model": object()})


def test_the_array_payload_is_read_without_pickle():
    value = {"ints": np.arange(3), "floats": [np.ones((2, 2)), 1.5], "text": "a", "none": None}
    header, blob = wire.encode(value)
    assert b"pickle" not in header
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:  # reading a member that needs pickle raises
        assert all(arrays[name].dtype != object for name in arrays.files) and arrays.files


def test_torch_tensors_come_back_as_tensors_of_the_same_dtype():
    import torch

    value = {"x": torch.arange(6, dtype=torch.float64).reshape(2, 3), "n": torch.tensor([1, 2]),
             "w": torch.nn.Parameter(torch.ones(2, dtype=torch.float32)), "loss": torch.tensor(0.5)}
    back = round_trip(value)
    assert all(isinstance(v, torch.Tensor) for v in back.values())
    assert back["x"].dtype == torch.float64 and torch.equal(back["x"], value["x"])
    assert back["n"].dtype == torch.int64 and back["w"].dtype == torch.float32
    assert back["loss"].shape == () and back["loss"].item() == 0.5


def test_a_tensor_that_requires_gradients_still_does_after_the_trip():
    import torch

    assert round_trip(torch.zeros(2, requires_grad=True)).requires_grad
    assert not round_trip(torch.zeros(2)).requires_grad


def test_numpy_values_cross_without_importing_torch():
    import subprocess
    import sys

    code = ("import sys, numpy as np; from gradekit.autograde import wire; "
            "wire.decode(*wire.encode({'a': np.zeros(3), 'b': [1.5, (2, 'x')]})); "
            "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# -- limits: nothing is read before its size is known to be small enough ------------------------
def framed(header, blob_size):
    """The start of a message: its header, then a blob length (and no blob)."""
    return io.BytesIO(struct.pack(">Q", len(header)) + header + struct.pack(">Q", blob_size))


def test_a_message_announcing_more_than_the_limit_is_refused_before_its_arrays_are_read():
    with pytest.raises(wire.WireError, match=r"a message of 6 GiB was announced; the limit is 512 MiB"):
        wire.read_message(framed(b'{"ok": true}', 6 << 30))


def test_a_header_announcing_more_than_the_limit_is_refused_before_it_is_read():
    stream = io.BytesIO(struct.pack(">Q", 1 << 40))
    with pytest.raises(wire.WireError, match=r"a message header of 1024 GiB was announced; the limit is 8 MiB"):
        wire.read_message(stream)


def test_the_limit_of_a_message_can_be_set_by_the_reader():
    header, blob = wire.encode(np.zeros(1000))
    message = io.BytesIO(struct.pack(">Q", len(header)) + header + struct.pack(">Q", len(blob)) + blob)
    with pytest.raises(wire.WireError, match="the limit is 4 KiB"):
        wire.read_message(message, max_bytes=4096)


def npy_bytes(array=None, header=None):
    """An .npy file: `array`'s, or `header` (a dict) followed by `array`'s data only."""
    buf = io.BytesIO()
    if header is None:
        np.save(buf, array, allow_pickle=True)
    else:
        npy.write_array_header_1_0(buf, header)
        buf.write(array.tobytes())
    return buf.getvalue()


def npz_bytes(**members):
    """An npz of raw .npy members (`npy_bytes`), written as numpy does."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name + ".npy", data)
    return buf.getvalue()


LYING = npy_bytes(np.zeros(2), header={"descr": "<f8", "fortran_order": False, "shape": (100000, 100000)})


def test_an_npy_header_claiming_more_data_than_its_member_holds_is_refused():
    header = json.dumps({"$array": "a0"}).encode()
    with pytest.raises(wire.WireError, match=r"'a0' claims shape \(100000, 100000\) of float64 \(74.5 GiB\) "
                                             r"but holds 16 bytes"):
        wire.decode(header, npz_bytes(a0=LYING))


def never_decompressed(*args, **kwargs):
    raise AssertionError("a member was decompressed")


def test_an_npz_whose_arrays_declare_more_than_the_budget_is_refused_before_any_is_read(monkeypatch):
    blob = npz_bytes(a=npy_bytes(np.zeros(1000)), b=npy_bytes(np.zeros(1000)))
    monkeypatch.setattr(zipfile.ZipFile, "open", never_decompressed)
    with pytest.raises(wire.WireError, match=r"the message holds 15.9 KiB of arrays when decompressed; "
                                             r"the limit is 10 KiB"):
        wire.decode(b"null", blob, max_bytes=10 * 1024)


def test_fortran_order_and_structured_arrays_are_read_back_exactly():
    value = {"F": np.asfortranarray(np.arange(6.0).reshape(2, 3)), "s": np.array("batchnorm"),
             "e": np.zeros((0, 4), dtype=np.int8), "r": np.zeros(2, dtype=[("x", "<f4"), ("y", ">i2")])}
    back = round_trip(value)
    for key, array in value.items():
        assert back[key].dtype == array.dtype and np.array_equal(back[key], array)
        assert back[key].flags.writeable


# -- arrays from the student: only real numbers are graded ----------------------------------------
def test_complex_float16_string_and_void_arrays_from_the_student_are_refused():
    for dtype in ("complex128", "float16", "<U3", "S3", "V8", "datetime64[s]"):
        with pytest.raises(wire.RefusedArray, match=rf"returned a {re.escape(np.dtype(dtype).name)} array; "
                                                    r"only real float/integer arrays are graded"):
            wire.decode(*wire.encode({"x": np.zeros(2, dtype=dtype)}), from_student=True)


def test_arrays_the_grader_sends_are_not_limited_to_real_numbers():
    assert round_trip(np.array(["train"])).dtype.kind == "U"


def test_float16_and_complex_tensors_from_the_student_are_refused():
    import torch

    for tensor in (torch.zeros(2, dtype=torch.float16), torch.zeros(2, dtype=torch.complex64),
                   torch.zeros(2, dtype=torch.bfloat16)):
        with pytest.raises(wire.RefusedArray, match=r"returned a (float16 array|complex64 array|bfloat16 tensor)"):
            wire.student_array(tensor)
    assert wire.student_array(torch.zeros(2, dtype=torch.int64)) is not None


# -- artefacts: read through the same reader, lazily ---------------------------------------------
def artifacts_with(tmp_path, name, data):
    (tmp_path / "artifacts").mkdir(exist_ok=True)
    (tmp_path / "artifacts" / f"{name}.npz").write_bytes(data)
    return Artifacts(str(tmp_path / "artifacts"), None)


def test_an_artefact_reads_as_a_mapping_of_its_arrays(tmp_path):
    buf = io.BytesIO()
    np.savez(buf, W=np.ones((2, 3)), normalization=np.array("none"))
    saved = artifacts_with(tmp_path, "fc_net", buf.getvalue()).load("fc_net")
    assert sorted(saved) == ["W", "normalization"] and "W" in saved and "b" not in saved and len(saved) == 2
    assert saved["W"].shape == (2, 3) and str(saved["normalization"]) == "none" and saved.get("b") is None
    assert set(dict(saved)) == set(saved.keys())
    with pytest.raises(KeyError):
        saved["b"]


def test_an_artefact_key_no_check_indexes_is_never_read(tmp_path):
    saved = artifacts_with(tmp_path, "svm", npz_bytes(W=npy_bytes(np.ones(3)), junk=LYING)).load("svm")
    assert np.array_equal(saved["W"], np.ones(3)) and "junk" in saved
    with pytest.raises(AssertionError, match=r"artifacts/svm.npz cannot be read as plain arrays: array 'junk' claims"):
        saved["junk"]


def test_a_zip_bomb_artefact_is_refused_naming_the_file_its_size_and_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(plugin, "ARTIFACT_LIMIT", 16 << 20, raising=False)
    path = tmp_path / "artifacts" / "softmax.npz"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("W.npy", "w", force_zip64=True) as f:
        npy.write_array_header_1_0(f, {"descr": "|u1", "fortran_order": False, "shape": (64 << 20,)})
        for _ in range(64):
            f.write(bytes(1 << 20))
    assert path.stat().st_size < 1 << 20
    with pytest.raises(AssertionError, match=r"artifacts/softmax.npz cannot be read as plain arrays: the file holds "
                                             r"64 MiB of arrays when decompressed; the limit is 16 MiB"):
        Artifacts(str(path.parent), None).load("softmax")


def test_an_artefact_holding_python_objects_is_refused_without_unpickling(tmp_path):
    saved = artifacts_with(tmp_path, "knn", npz_bytes(best_k=npy_bytes(np.array([{"k": 5}], dtype=object))))
    with pytest.raises(AssertionError, match=r"artifacts/knn.npz cannot be read as plain arrays: "
                                             r"array 'best_k' is an array of Python objects"):
        saved.load("knn")["best_k"]


# -- numbers from the student: plain on the grading side, whatever their class claimed ------------
class LyingFloat(float):
    """A student's float: serialises as "1.0", equals everything, subtracts to 0."""

    def __repr__(self):
        return "1.0"

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__


class LyingInt(int):
    """A student's int: prints as 60, equals everything."""

    def __str__(self):
        return "60"

    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


def from_student(value):
    """`value` encoded as the worker does, decoded as the grader reads an answer."""
    return wire.decode(*wire.encode(value), from_student=True)


def test_a_float_subclass_from_the_student_arrives_as_a_plain_float_without_its_methods():
    """What crosses is a number (the one its repr printed: one the student could have returned
    anyway); its class, and so its comparisons and arithmetic, stay in the worker."""
    answer = from_student({"loss": LyingFloat(0.25), "history": [LyingFloat(2.0)]})
    for value in (answer["loss"], answer["history"][0]):
        assert type(value) is float
        assert value != value + 1 and value - 3.0 == float.__sub__(value, 3.0)


def test_an_int_subclass_from_the_student_arrives_as_a_plain_int_without_its_methods():
    count = from_student((LyingInt(7),))[0]
    assert type(count) is int and count != count + 1


def test_every_number_a_forged_answer_can_hold_decodes_to_a_plain_number():
    """The worker may send any JSON: its numbers are still plain float, int or bool."""
    header = json.dumps([{"$float": "1.0"}, {"$int": "7"}, 2.5, 3, True, {"$float": "nan"},
                         {"$tuple": [{"$float": "-0.0"}]}]).encode()
    values = wire.decode(header, wire.encode(None)[1], from_student=True)
    flat = values[:-1] + list(values[-1])
    assert [type(v) for v in flat] == [float, int, float, int, bool, float, float]
