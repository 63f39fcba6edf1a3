"""The torch helpers checks call next to a model: on the reference in this process, and on the
student's module in the worker, with the same results."""
import textwrap

import numpy as np
import pytest
import torch

from gradekit.autograde import torch_ops
from gradekit.autograde.plugin import Reference
from gradekit.autograde.student import StudentProcess

OPS = "gradekit.autograde.torch_ops."
PACKAGE = '''
import torch
from torch import nn

def net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Tanh())

def shifted_net():
    """The same layers at other Sequential indices (no Flatten): other state_dict names."""
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Tanh())

def uniform(n):
    return torch.rand(n)

def ascend(x, rate):
    """One in-place step up the gradient of sum(x**2) that forgets to zero x.grad."""
    (x * x).sum().backward()
    with torch.no_grad():
        x += rate * x.grad

def weighted_sum_of_squares(maps, layers, weight):
    """A loss of a list of tensors, some of them picked by index, and a plain number."""
    return weight * sum((maps[i] ** 2).sum() for i in layers)

def detached_sum_of_squares(maps, layers, weight):
    return torch.tensor(weight * sum(float((maps[i] ** 2).sum()) for i in layers))
'''


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("torch-ops")
    (root / "topspkg").mkdir()
    (root / "topspkg" / "__init__.py").write_text(textwrap.dedent(PACKAGE))
    return str(root)


@pytest.fixture(scope="module")
def reference(root):
    return Reference(root)


@pytest.fixture(scope="module")
def student(root):
    process = StudentProcess(root, timeout=60)
    yield process
    process.close()


def test_count_params_counts_weights_and_batchnorm_scales_but_not_its_statistics(reference):
    assert torch_ops.count_params(reference.call("topspkg.net")) == 4 * 3 + 3 + 3 + 3


def test_state_dict_holds_parameters_and_buffers_as_arrays(reference):
    state = torch_ops.state_dict(reference.call("topspkg.net"))
    assert list(state) == ["1.weight", "1.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var",
                           "2.num_batches_tracked"]
    assert all(isinstance(v, np.ndarray) for v in state.values())


def test_load_state_by_order_ignores_the_layer_indices(reference):
    model, shifted = reference.call("topspkg.net"), reference.call("topspkg.shifted_net")
    torch_ops.load_state(shifted, torch_ops.state_dict(model), by_order=True)
    x = np.random.default_rng(0).normal(size=(5, 4))
    assert torch.equal(torch_ops.forward(model, x, mode="eval"), torch_ops.forward(shifted, x, mode="eval"))


def test_load_state_by_order_says_how_many_tensors_differ(reference):
    model = reference.call("topspkg.net")
    with pytest.raises(ValueError, match="has 7 parameter and buffer tensors .* expected 2"):
        torch_ops.load_state(model, {"w": np.zeros((3, 4)), "b": np.zeros(3)}, by_order=True)


def test_forward_in_float64_converts_the_model_and_the_inputs(reference):
    model = reference.call("topspkg.net")
    out = torch_ops.forward(model, np.ones((2, 4)), dtype="float64", mode="train")
    assert out.dtype == torch.float64 and next(model.parameters()).dtype == torch.float64


def test_gradcheck_of_a_module_passes_in_float64(reference):
    verdict = torch_ops.gradcheck(reference.call("topspkg.net"), np.random.default_rng(1).normal(size=(4, 4)))
    assert verdict == {"passed": True, "message": ""}


def test_gradcheck_differentiates_each_tensor_of_a_list_and_passes_numbers_and_indices_as_they_are(student):
    maps = [np.random.default_rng(i).normal(size=(2, 3)) for i in range(3)]
    verdict = student.call(OPS + "gradcheck", "topspkg.weighted_sum_of_squares", maps, [0, 2], 0.5)
    assert verdict == {"passed": True, "message": ""}


def test_gradcheck_fails_a_function_of_a_list_that_cuts_the_gradient(student):
    maps = [np.random.default_rng(i).normal(size=(2, 3)) for i in range(2)]
    verdict = student.call(OPS + "gradcheck", "topspkg.detached_sum_of_squares", maps, [1], 2.0)
    assert not verdict["passed"] and "no gradient flows" in verdict["message"]


def test_the_reference_is_seeded_like_the_worker(reference, student):
    assert torch.equal(reference.call("topspkg.uniform", 5, seed=7), student.call("topspkg.uniform", 5, seed=7))


def test_a_student_module_given_the_references_state_computes_the_same_outputs(reference, student):
    ref_model, model = reference.call("topspkg.net", 1, keep=True), student.call("topspkg.shifted_net", keep=True)
    assert student.call(OPS + "count_params", model) == reference.call(OPS + "count_params", ref_model)
    student.call(OPS + "load_state", model, reference.call(OPS + "state_dict", ref_model), by_order=True)
    x = np.random.default_rng(2).normal(size=(6, 4))
    mine = student.call(OPS + "forward", model, x, dtype="float64", mode="train")
    assert torch.allclose(mine, reference.call(OPS + "forward", ref_model, x, dtype="float64", mode="train"))


def test_optimized_params_counts_the_model_tensors_an_optimizer_updates(reference):
    model = reference.call("topspkg.net")
    assert torch_ops.optimized_params(torch.optim.SGD(model.parameters(), lr=1), model) == (4, 4)
    assert torch_ops.optimized_params(torch.optim.SGD(model[1].parameters(), lr=1), model) == (2, 4)
    assert torch_ops.type_name(torch.optim.Adam(model.parameters())) == "Adam"


def test_repeated_returns_the_argument_as_several_in_place_steps_left_it(student):
    x = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    # First step: x + 2x = 3x; second (grad accumulates 2x + 6x): 3x + 8x = 11x.
    out = student.call(OPS + "repeated", "topspkg.ascend", 2, x, 1.0)
    assert torch.equal(out.detach(), torch.tensor([11.0, -22.0], dtype=torch.float64))
