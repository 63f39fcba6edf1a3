"""PyTorch (10 points with the hidden checks): the three-layer ConvNet as bare tensors, as an
nn.Module and as an nn.Sequential, its initialisation and the Part IV optimizer.

Inputs are the notebook's shape tests (zeros) and fixed float64 values whose scores the reference
computed (public/expected/PyTorch.npz). The student's modules stay in the worker (`keep=True`);
the checks ask it for raw values (parameter names and shapes, outputs, optimizer settings)
through gradekit.autograde.torch_ops and count, compare and decide here.
"""
import numpy as np
import pytest
import torch

from gradekit.autograde.checks import assert_close, assert_shape
from gradekit.autograde.torch_ops import class_name, optimized_params, parameter_count

pytestmark = pytest.mark.notebook("PyTorch")
T = "cs231n.torch_nets."
OPS = "gradekit.autograde.torch_ops."
PARAM_NAMES = ["conv_w1", "conv_b1", "conv_w2", "conv_b2", "fc_w", "fc_b"]


def course_zero_params():
    """The notebook's three_layer_convnet_test: 6 then 9 filters on 32x32 images."""
    shapes = [(6, 3, 5, 5), (6,), (9, 6, 3, 3), (9,), (9 * 32 * 32, 10), (10,)]
    return [torch.zeros(shape) for shape in shapes]


def scores_of(value, what):
    assert isinstance(value, torch.Tensor), f"{what} should return a torch tensor, got {type(value).__name__}"
    return value.detach().double().numpy()


@pytest.mark.points(1)
def test_three_layer_convnet_gives_ten_scores_per_image(student):
    scores = student.call(T + "three_layer_convnet", torch.zeros(64, 3, 32, 32), course_zero_params())
    assert_shape(scores_of(scores, "three_layer_convnet"), (64, 10),
                 what="three_layer_convnet scores of 64 images (64, 3, 32, 32)")


@pytest.mark.points(1)
def test_three_layer_convnet_matches_the_expected_scores(student, expected):
    params = [torch.from_numpy(expected[name]) for name in PARAM_NAMES]
    scores = student.call(T + "three_layer_convnet", torch.from_numpy(expected["x"]), params)
    assert_close(scores_of(scores, "three_layer_convnet"), expected["scores"], tol=1e-10,
                 what="three_layer_convnet scores (2 images of 3x8x8, 4 then 5 filters, float64)")


@pytest.mark.points(0.5)
def test_three_layer_convnet_params_have_the_course_shapes_and_initialisation(student):
    params = student.call(T + "three_layer_convnet_params", 32, 16, 10, seed=231)
    assert isinstance(params, (list, tuple)) and len(params) == 6, \
        f"three_layer_convnet_params should return a list of 6 tensors ({', '.join(PARAM_NAMES)})"
    shapes = [(32, 3, 5, 5), (32,), (16, 32, 3, 3), (16,), (16 * 32 * 32, 10), (10,)]
    for name, value, shape in zip(PARAM_NAMES, params, shapes):
        assert isinstance(value, torch.Tensor), f"{name} should be a torch tensor, got {type(value).__name__}"
        assert tuple(value.shape) == shape, f"{name} has shape {tuple(value.shape)}, expected {shape}"
        assert value.requires_grad, f"{name} does not require gradients: training could not update it"
    for name, value in zip(PARAM_NAMES[1::2], params[1::2]):
        assert not value.detach().any(), f"{name} should start at zero (zero_weight)"
    for name, value in zip(PARAM_NAMES[0::2], params[0::2]):
        fan_in = value.shape[0] if value.dim() == 2 else int(np.prod(value.shape[1:]))
        std, kaiming = value.detach().double().std().item(), np.sqrt(2 / fan_in)
        assert abs(std / kaiming - 1) < 0.1, \
            f"{name} has standard deviation {std:.4g}; Kaiming initialisation (random_weight) gives {kaiming:.4g}"


@pytest.mark.points(1)
def test_three_layer_convnet_module_gives_ten_scores_per_image(student, expected):
    model = student.call(T + "ThreeLayerConvNet", 3, 12, 8, 10, keep=True)
    count = parameter_count(student, model)
    assert count == expected["module_params"], \
        f"ThreeLayerConvNet(3, 12, 8, 10) has {count} parameters, expected {int(expected['module_params'])}"
    scores = student.call(OPS + "forward", model, torch.zeros(64, 3, 32, 32))
    assert_shape(scores_of(scores, "ThreeLayerConvNet"), (64, 10), what="ThreeLayerConvNet scores of 64 images")


@pytest.mark.points(1)
def test_sequential_convnet_has_the_course_layers(student, expected):
    model = student.call(T + "sequential_three_layer_convnet", 3, 32, 16, 10, keep=True)
    kind = class_name(student, model)
    assert kind == "Sequential", f"sequential_three_layer_convnet returned a {kind}, expected an nn.Sequential"
    count = parameter_count(student, model)
    assert count == expected["sequential_params"], \
        f"sequential_three_layer_convnet(3, 32, 16, 10) has {count} parameters, " \
        f"expected {int(expected['sequential_params'])}"
    scores = student.call(OPS + "forward", model, torch.zeros(64, 3, 32, 32))
    assert_shape(scores_of(scores, "sequential_three_layer_convnet"), (64, 10),
                 what="sequential_three_layer_convnet scores of 64 images")


@pytest.mark.points(0.5)
def test_sequential_optimizer_is_sgd_with_nesterov_momentum(student):
    model = student.call("torch.nn.Linear", 5, 3, keep=True)  # any model: this checks the optimizer alone
    optimizer = student.call(T + "sequential_optimizer", model, 1e-2, keep=True)
    kind = class_name(student, optimizer)
    assert kind == "SGD", f"sequential_optimizer returned a {kind}, expected torch.optim.SGD"
    settings = optimizer.get("defaults")
    found = {key: settings[key] for key in ("lr", "momentum", "nesterov")}
    assert np.isclose(found["lr"], 1e-2) and np.isclose(found["momentum"], 0.9) and found["nesterov"], \
        f"sequential_optimizer uses {found}, expected lr 0.01, momentum 0.9, nesterov True"
    updated, total = optimized_params(student, optimizer, model)
    assert updated == total, f"the optimizer updates {updated} of the model's {total} parameter tensors"
