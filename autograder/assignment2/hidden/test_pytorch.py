"""PyTorch, hidden checks: the ConvNet against the reference on random inputs, and the open-ended
model, rebuilt from its saved description by the reference (no student code in this process) and
measured on the 5000 held-out test images (which the notebook never receives when graded)."""
import os

import numpy as np
import pytest
import torch

from gradekit.autograde.checks import assert_close
from gradekit.data.student_data import HELD_OUT_FROM

pytestmark = pytest.mark.notebook("PyTorch")
T = "cs231n.torch_nets."
OPS = "gradekit.autograde.torch_ops."


def random_params(rng, channels, channel_1, channel_2, height, width, classes):
    shapes = [(channel_1, channels, 5, 5), (channel_1,), (channel_2, channel_1, 3, 3), (channel_2,),
              (channel_2 * height * width, classes), (classes,)]
    return [torch.from_numpy(rng.normal(scale=0.3, size=shape)) for shape in shapes]


@pytest.mark.points(1)
def test_three_layer_convnet_matches_the_reference_on_random_shapes(student, reference, rng):
    channels, channel_1, channel_2, height, width, classes = 3, rng.integers(2, 6), rng.integers(2, 6), 6, 9, 7
    params = random_params(rng, channels, channel_1, channel_2, height, width, classes)
    x = torch.from_numpy(rng.normal(size=(4, channels, height, width)))
    mine = student.call(T + "three_layer_convnet", x, params)
    ref = reference.call(T + "three_layer_convnet", x, params)
    assert isinstance(mine, torch.Tensor), f"three_layer_convnet should return a torch tensor, got {type(mine).__name__}"
    assert_close(mine.detach().numpy(), ref.detach().numpy(), tol=1e-10,
                 what=f"three_layer_convnet scores ({channel_1} then {channel_2} filters, {height}x{width} images)")


@pytest.mark.points(1)
def test_three_layer_convnet_module_computes_the_course_network(student, reference, rng):
    model = student.call(T + "ThreeLayerConvNet", 3, 5, 4, 10, keep=True)
    # float32-representable weights: the module holds float32 until `forward` turns it to float64
    params = [p.float().double() for p in random_params(rng, 3, 5, 4, 32, 32, 10)]
    weights = [p.numpy() for p in params]
    weights[4] = weights[4].T.copy()  # nn.Linear keeps (out, in)
    try:
        student.call(OPS + "load_state", model, {str(i): w for i, w in enumerate(weights)}, by_order=True)
    except AssertionError as exc:
        raise AssertionError(f"ThreeLayerConvNet(3, 5, 4, 10) should hold conv1 (weight, bias), conv2 "
                             f"(weight, bias) and fc (weight, bias) in that order: {exc}") from None
    x = rng.normal(size=(3, 3, 32, 32))
    mine = student.call(OPS + "forward", model, x, dtype="float64")
    ref = reference.call(T + "three_layer_convnet", torch.from_numpy(x), params)
    assert_close(mine.numpy(), ref.detach().numpy(), tol=1e-9,
                 what="ThreeLayerConvNet(3, 5, 4, 10) scores with the weights of three_layer_convnet")


@pytest.mark.points(3)
def test_open_ended_model_reaches_the_target_on_held_out_test_images(reference, artifacts, data_dir, targets, measured):
    path = artifacts.path("pytorch_model", "PyTorch")
    try:
        model, numbers = reference.call("cs231n.torch_artifacts.load_torch_model", path)
    except ValueError as exc:
        raise AssertionError(f"artifacts/pytorch_model.npz cannot be rebuilt: {exc}") from None
    epochs, limit = int(numbers.get("epochs", 0)), targets["pytorch_max_epochs"]
    assert 0 < epochs <= limit, f"the saved model was trained for {epochs} epochs; at most {limit} are allowed"
    images, labels = reference.call("cs231n.torch_data.load_cifar10_images",
                                    os.path.join(data_dir, "cifar-10-batches-py"), "test")
    images, labels = images[HELD_OUT_FROM:], labels[HELD_OUT_FROM:]
    acc = float(np.mean(reference.call("cs231n.torch_data.predict", model, images) == labels))
    target = targets["pytorch_held_out"]
    measured("the PyTorch model: accuracy on 5000 held-out test images", acc, target)
    assert acc >= target, f"the PyTorch model's accuracy {acc:.4f} < {target} on 5000 held-out test images"
