"""The torch helpers of the checks: the raw accessors, which run next to the model (in the worker
for the student's objects, in this process for the reference's), and the grading-side verdicts
built on them, which a student package that replaces helpers in the worker cannot forge."""
import importlib.util
import os
import textwrap

import numpy as np
import pytest
import torch

from gradekit.autograde import torch_ops
from gradekit.autograde.plugin import Reference
from gradekit.autograde.student import StudentProcess

pytestmark = pytest.mark.unit

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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

class _HalfGradientProduct(torch.autograd.Function):
    """x * y entry by entry, whose backward forgets y's half: the gradient for y is x / 2."""
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return grad * y, grad * x / 2

def wrong_product(x, y):
    return _HalfGradientProduct.apply(x, y)

def first_layer_sgd(model):
    return torch.optim.SGD(model[1].parameters(), lr=0.5, momentum=0.9)

def adam(model):
    return torch.optim.Adam(model.parameters())
'''
# A student package whose import replaces, in the worker, every helper that used to decide there
# (and torch's own gradcheck) with one that claims success.
ATTACK = '''
import torch
import gradekit.autograde.torch_ops as ops

def success(*args, **kwargs):
    return {"passed": True, "message": ""}

ops.gradcheck = success
torch.autograd.gradcheck = lambda *args, **kwargs: True
# the counts and types the checks expect, from the public expected values (assignment 3's
# discriminator; assignment 2's models claim theirs)
ops.count_params = lambda model, *args, **kwargs: getattr(model, "claimed_count", 267009)
ops.type_name = lambda obj, *args, **kwargs: getattr(obj, "claimed_type", "Adam")
ops.optimized_params = lambda *args, **kwargs: (2, 2)
'''
ATTACK_GAN = '''
import torch
from torch import nn

class _WrongSquare(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * ((x - 1) ** 2).mean()

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x / x.numel()  # should be (x - 1) / N

def ls_generator_loss(scores_fake):
    return _WrongSquare.apply(scores_fake)

def discriminator(seed=None):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))  # 7850 parameters, not 267009
'''

# Assignment 2's PyTorch answers, each wrong, each claiming the count or type its check expects.
ATTACK_TORCH_NETS = '''
import torch
from torch import nn

class ThreeLayerConvNet(nn.Module):
    """A 3x3 first convolution (the course's is 5x5): 83714 - 16 * 3 * 12 parameters."""
    claimed_count = 83714

    def __init__(self, in_channel, channel_1, channel_2, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channel, channel_1, 3, padding=1)
        self.conv2 = nn.Conv2d(channel_1, channel_2, 3, padding=1)
        self.fc = nn.Linear(channel_2 * 32 * 32, num_classes)

    def forward(self, x):
        return self.fc(torch.relu(self.conv2(torch.relu(self.conv1(x)))).flatten(1))

def sequential_three_layer_convnet(in_channel, channel_1, channel_2, num_classes):
    model = ThreeLayerConvNet(in_channel, channel_1, channel_2, num_classes)  # not an nn.Sequential
    model.claimed_type, model.claimed_count = "Sequential", 170906
    return model

def sequential_optimizer(model, learning_rate):
    optimizer = torch.optim.SGD([next(model.parameters())], lr=learning_rate, momentum=0.9, nesterov=True)
    optimizer.claimed_type = "SGD"  # and optimized_params claims (2, 2): it updates 1 of 2 tensors
    return optimizer
'''


def package(root, name, files):
    (root / name).mkdir()
    for file, text in files.items():
        (root / name / file).write_text(textwrap.dedent(text))
    return str(root)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return package(tmp_path_factory.mktemp("torch-ops"), "topspkg", {"__init__.py": PACKAGE})


@pytest.fixture(scope="module")
def reference(root):
    return Reference(root)


@pytest.fixture(scope="module")
def student(root):
    process = StudentProcess(root, timeout=60)
    yield process
    process.close()


@pytest.fixture(scope="module")
def attacker(tmp_path_factory):
    """A worker whose student package (`cs231n`, as the course names it) plants the attack on import."""
    root = package(tmp_path_factory.mktemp("torch-ops-attack"), "cs231n",
                   {"__init__.py": ATTACK, "gan.py": ATTACK_GAN, "models.py": PACKAGE,
                    "torch_nets.py": ATTACK_TORCH_NETS})
    process = StudentProcess(root, timeout=60)
    process.call("cs231n.gan.discriminator", keep=True)  # imports the package: the attack is in place
    yield process
    process.close()


def test_count_params_counts_weights_and_batchnorm_scales_but_not_its_statistics(reference):
    assert torch_ops.count_params(reference.call("topspkg.net")) == 4 * 3 + 3 + 3 + 3


def test_parameter_count_of_a_module_in_the_worker_is_counted_from_its_names_and_shapes(student):
    model = student.call("topspkg.net", keep=True)
    assert student.call(OPS + "parameter_shapes", model) == [("1.weight", (3, 4)), ("1.bias", (3,)),
                                                              ("2.weight", (3,)), ("2.bias", (3,))]
    assert torch_ops.parameter_count(student, model) == 4 * 3 + 3 + 3 + 3


def test_count_params_refuses_an_answer_that_is_not_names_and_shapes():
    with pytest.raises(AssertionError, match="not a list of \\(name, shape\\)"):
        torch_ops.count_params(267009)


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
    x = np.random.default_rng(1).normal(size=(4, 4))
    assert torch_ops.gradcheck(reference, reference.call("topspkg.net"), x) == {"passed": True, "message": ""}


def test_gradcheck_of_a_module_kept_in_the_worker_passes_in_float64(student):
    model = student.call("topspkg.net", keep=True)
    assert torch_ops.gradcheck(student, model, np.random.default_rng(1).normal(size=(4, 4))) == \
        {"passed": True, "message": ""}


def test_gradcheck_differentiates_each_tensor_of_a_list_and_passes_numbers_and_indices_as_they_are(student):
    maps = [np.random.default_rng(i).normal(size=(2, 3)) for i in range(3)]
    verdict = torch_ops.gradcheck(student, "topspkg.weighted_sum_of_squares", maps, [0, 2], 0.5)
    assert verdict == {"passed": True, "message": ""}


def test_gradcheck_fails_a_function_of_a_list_that_cuts_the_gradient(student):
    maps = [np.random.default_rng(i).normal(size=(2, 3)) for i in range(2)]
    verdict = torch_ops.gradcheck(student, "topspkg.detached_sum_of_squares", maps, [1], 2.0)
    assert not verdict["passed"] and "no gradient flows" in verdict["message"]


def test_gradcheck_fails_a_wrong_backward_naming_the_input_and_the_numbers(student):
    x, y = np.random.default_rng(3).normal(size=(2, 2, 3))
    verdict = torch_ops.gradcheck(student, "topspkg.wrong_product", x, y)
    assert not verdict["passed"]
    # the largest error: analytical x / 2 against numerical x, where |x| is largest
    entry = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(x)), x.shape))
    assert verdict["message"].startswith(
        f"Jacobian mismatch with respect to argument 1 (2, 3): 6 of 36 entries differ by more than atol 1e-05 + "
        f"rtol 0.001 * |numerical|; the largest at output entry {entry}, input entry {entry}: "
        f"numerical {x[entry]:.6g}, analytical {x[entry] / 2:.6g}; numerical [")


def test_gradcheck_asks_the_worker_once_for_the_outputs_at_every_perturbed_input(student, monkeypatch):
    requests = []
    call = student.call
    monkeypatch.setattr(student, "call", lambda target, *args, **kwargs: requests.append((target, kwargs)) or
                        call(target, *args, **kwargs))
    maps = [np.random.default_rng(i).normal(size=(2, 3)) for i in range(3)]
    assert torch_ops.gradcheck(student, "topspkg.weighted_sum_of_squares", maps, [0, 2], 0.5)["passed"]
    (target, kwargs), = requests
    assert target == OPS + "autograd_values" and len(kwargs["steps"]["delta"]) == 2 * 3 * 6


def test_gradcheck_fails_an_answer_that_is_not_the_accessors(student, monkeypatch):
    monkeypatch.setattr(student, "call", lambda *args, **kwargs: {"passed": True, "message": ""})
    verdict = torch_ops.gradcheck(student, "topspkg.weighted_sum_of_squares", [np.ones((2, 3))], [0], 1.0)
    assert not verdict["passed"] and "cannot be graded" in verdict["message"]


def test_the_reference_is_seeded_like_the_worker(reference, student):
    assert torch.equal(reference.call("topspkg.uniform", 5, seed=7), student.call("topspkg.uniform", 5, seed=7))


def test_a_student_module_given_the_references_state_computes_the_same_outputs(reference, student):
    ref_model, model = reference.call("topspkg.net", 1, keep=True), student.call("topspkg.shifted_net", keep=True)
    assert torch_ops.parameter_count(student, model) == torch_ops.parameter_count(reference, ref_model)
    student.call(OPS + "load_state", model, reference.call(OPS + "state_dict", ref_model), by_order=True)
    x = np.random.default_rng(2).normal(size=(6, 4))
    mine = student.call(OPS + "forward", model, x, dtype="float64", mode="train")
    assert torch.allclose(mine, reference.call(OPS + "forward", ref_model, x, dtype="float64", mode="train"))


def test_optimized_params_counts_the_model_tensors_an_optimizer_updates(reference):
    model = reference.call("topspkg.net")
    assert torch_ops.optimized_params(reference, torch.optim.SGD(model.parameters(), lr=1), model) == (4, 4)
    assert torch_ops.optimized_params(reference, torch.optim.SGD(model[1].parameters(), lr=1), model) == (2, 4)


def test_optimizer_state_of_a_worker_optimizer_holds_its_settings_and_the_names_it_updates(student):
    model = student.call("topspkg.net", keep=True)
    optimizer = student.call("topspkg.first_layer_sgd", model, keep=True)
    state = student.call(OPS + "optimizer_state", optimizer, model)
    (group,) = state["param_groups"]
    assert group["params"] == ["1.weight", "1.bias"] and group["lr"] == 0.5 and group["momentum"] == 0.9
    assert state["model_params"] == ["1.weight", "1.bias", "2.weight", "2.bias"]
    assert torch_ops.optimized_params(student, optimizer, model) == (2, 4)


def test_class_name_is_read_from_the_class_names_of_a_worker_object(student):
    optimizer = student.call("topspkg.adam", student.call("topspkg.net", keep=True), keep=True)
    assert student.call(OPS + "class_names", optimizer) == ["Adam", "Optimizer", "object"]
    assert torch_ops.class_name(student, optimizer) == "Adam"


def test_repeated_returns_the_argument_as_several_in_place_steps_left_it(student):
    x = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    # First step: x + 2x = 3x; second (grad accumulates 2x + 6x): 3x + 8x = 11x.
    out = student.call(OPS + "repeated", "topspkg.ascend", 2, x, 1.0)
    assert torch.equal(out.detach(), torch.tensor([11.0, -22.0], dtype=torch.float64))


# -- a student package that replaces the helpers in the worker ---------------------------------------
def test_replaced_helpers_in_the_worker_do_not_pass_gradcheck_of_a_wrong_gradient(attacker):
    assert attacker.call(OPS + "gradcheck", "cs231n.models.wrong_product")["passed"]  # the attack is in place
    x, y = np.random.default_rng(3).normal(size=(2, 2, 3))
    verdict = torch_ops.gradcheck(attacker, "cs231n.models.wrong_product", x, y)
    assert not verdict["passed"] and verdict["message"].startswith("Jacobian mismatch with respect to argument 1")


def test_replaced_helpers_in_the_worker_do_not_change_the_parameter_count(attacker):
    model = attacker.call("cs231n.gan.discriminator", keep=True)
    assert attacker.call(OPS + "count_params", model) == 267009  # the attack is in place
    assert torch_ops.parameter_count(attacker, model) == 784 * 10 + 10


def course_checks(path):
    spec = importlib.util.spec_from_file_location("attacked_" + os.path.basename(path)[:-3], os.path.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # its marks (points, notebook) are registered by tests/conftest.py
    return module


def test_the_course_checks_fail_a_wrong_gradient_and_count_whatever_the_worker_replaced(attacker):
    checks = course_checks("autograder/assignment3/public/test_gans.py")
    with np.load(os.path.join(REPO, "autograder/assignment3/public/expected/GANs.npz")) as npz:
        expected = {key: npz[key] for key in npz.files}
    with pytest.raises(AssertionError, match=r"ls_generator_loss fails gradcheck .*Jacobian mismatch"):
        checks.test_loss_passes_gradcheck(attacker, expected, "ls_generator_loss")
    with pytest.raises(AssertionError, match=r"discriminator\(\) has 7850 parameters, expected 267009"):
        checks.test_discriminator_has_the_course_parameter_count(attacker, expected)


def test_the_pytorch_checks_of_assignment_2_fail_wrong_answers_whatever_the_worker_replaced(attacker):
    checks = course_checks("autograder/assignment2/public/test_pytorch.py")
    with np.load(os.path.join(REPO, "autograder/assignment2/public/expected/PyTorch.npz")) as npz:
        expected = {key: npz[key] for key in npz.files}
    model = attacker.call("cs231n.torch_nets.sequential_three_layer_convnet", 3, 32, 16, 10, keep=True)
    optimizer = attacker.call("cs231n.torch_nets.sequential_optimizer", model, 1e-2, keep=True)
    claims = [attacker.call(OPS + "count_params", model), attacker.call(OPS + "type_name", model),
              attacker.call(OPS + "type_name", optimizer), attacker.call(OPS + "optimized_params", optimizer, model)]
    assert claims == [expected["sequential_params"], "Sequential", "SGD", (2, 2)]  # the attack is in place
    with pytest.raises(AssertionError, match=r"ThreeLayerConvNet\(3, 12, 8, 10\) has 83138 parameters, expected 83714"):
        checks.test_three_layer_convnet_module_gives_ten_scores_per_image(attacker, expected)
    with pytest.raises(AssertionError, match=r"sequential_three_layer_convnet returned a ThreeLayerConvNet, expected "
                                             r"an nn.Sequential"):
        checks.test_sequential_convnet_has_the_course_layers(attacker, expected)
    with pytest.raises(AssertionError, match=r"the optimizer updates 1 of the model's 2 parameter tensors"):
        checks.test_sequential_optimizer_is_sgd_with_nesterov_momentum(attacker)
