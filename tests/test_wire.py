"""Values cross the grading boundary as JSON and npz, exactly and without pickle."""
import numpy as np
import pytest

from gradekit.autograde import wire


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
    header, blob = wire.encode(np.arange(3))
    assert b"pickle" not in header
    np.load(__import__("io").BytesIO(blob), allow_pickle=False)  # raises if it needed pickle


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
