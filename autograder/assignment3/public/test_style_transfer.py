"""StyleTransfer (15 points with the hidden checks): content loss, Gram matrix, style loss, TV loss.

The course's four checks run on the course images (tubingen.jpg, starry_night.jpg at size 192)
with the course's layers and weights; their features come from the pretrained SqueezeNet, computed
by the reference solution when the grader has it (`--reference`), otherwise by the provided code of
your own package (`check_inputs`), and are passed to your functions as tensors. The expected values
(public/expected/StyleTransfer.npz) were computed by the reference on this SqueezeNet. These checks
need the data folder: `pytest autograder/ --data-dir cs231n/datasets`. The other checks use small
random inputs and need no data.
"""
import os

import numpy as np
import pytest
import torch

from gradekit.autograde.checks import assert_close
from gradekit.autograde.torch_ops import gradcheck
from gradekit.data.datasets import FOLDERS

pytestmark = pytest.mark.notebook("StyleTransfer")
ST = "cs231n.style_transfer."
WHERE = "the course's check on tubingen.jpg / starry_night.jpg at size 192"
TOL = 1e-4  # float32 features: the same values summed in another order differ by about 1e-6


@pytest.fixture(scope="module")
def course(request, data_dir):
    """(the package that computed them, {checks' settings, inputs}): see the module docstring."""
    try:
        maker = request.getfixturevalue("reference")
    except pytest.skip.Exception:
        maker = request.getfixturevalue("student")
    cnn = maker.call(ST + "load_cnn", os.path.join(data_dir, FOLDERS["squeezenet"]), keep=True)
    return maker, maker.call(ST + "check_inputs", os.path.join(data_dir, FOLDERS["assets"]), cnn)


def scalar(value, what):
    """The value of a loss that must be a torch scalar (so that `.backward()` optimises with it)."""
    assert isinstance(value, torch.Tensor), f"{what} should return a torch tensor, got {type(value).__name__}"
    assert value.numel() == 1, f"{what} should return a single number, got shape {tuple(value.shape)}"
    return value.detach().reshape(()).double().numpy()


@pytest.mark.points(1.5)
def test_content_loss_matches_the_expected_value(student, expected, course):
    _, c = course
    layer = c["content_layer"]
    value = student.call(ST + "content_loss", c["content_weight"], c["content_feats"][layer], c["blank_feats"][layer])
    assert_close(scalar(value, "content_loss"), expected["cl_out"], tol=TOL, what="content_loss",
                 where=WHERE + " (layer 3 of the content image against an all-zero image, weight 6e-2)")


@pytest.mark.points(1.5)
def test_gram_matrix_matches_the_expected_value(student, expected, course):
    _, c = course
    gram = student.call(ST + "gram_matrix", c["style_feats"][c["gram_layer"]])
    assert isinstance(gram, torch.Tensor), f"gram_matrix should return a torch tensor, got {type(gram).__name__}"
    assert_close(gram.detach().double().numpy(), expected["gm_out"], tol=TOL, what="gram_matrix",
                 where=WHERE + " (layer 5 of the style image, features (1, 128, 23, 31))")


@pytest.mark.points(1.5)
def test_style_loss_matches_the_expected_value(student, expected, course):
    maker, c = course
    targets = [maker.call(ST + "gram_matrix", c["style_feats"][i]) for i in c["style_layers"]]
    value = student.call(ST + "style_loss", c["content_feats"], c["style_layers"], targets, c["style_weights"])
    assert_close(scalar(value, "style_loss"), expected["sl_out"], tol=TOL, what="style_loss",
                 where=WHERE + " (layers [1, 4, 6, 7], weights [300000, 1000, 15, 3])")


@pytest.mark.points(1.5)
def test_tv_loss_matches_the_expected_value(student, expected, course):
    _, c = course
    value = student.call(ST + "tv_loss", c["content_img"], c["tv_weight"])
    assert_close(scalar(value, "tv_loss"), expected["tv_out"], tol=TOL, what="tv_loss",
                 where=WHERE + " (the content image, weight 2e-2)")


def small_inputs(expected, function):
    """The arguments of `function` in the checks on small fixed random inputs in float64 (feature
    maps, images), stored as small_<function>_<k> (argument k) in public/expected/StyleTransfer.npz:
    a 0-d array is a number, a 1-d one a list of numbers (layers, weights), and the arrays
    small_<function>_<k>_<i> are a list (feature maps)."""
    args = {}
    for key, value in expected.items():
        if key.startswith(f"small_{function}_"):
            place = [int(i) for i in key[len(f"small_{function}_"):].split("_")]
            if len(place) == 2:
                args.setdefault(place[0], {})[place[1]] = value
            else:
                args[place[0]] = value.item() if value.ndim == 0 else value.tolist() if value.ndim == 1 else value
    return [[arg[i] for i in sorted(arg)] if isinstance(arg, dict) else arg for _, arg in sorted(args.items())]


def as_tensors(args):
    return [torch.from_numpy(a) if isinstance(a, np.ndarray) else
            [torch.from_numpy(x) for x in a] if isinstance(a, list) and isinstance(a[0], np.ndarray) else a
            for a in args]


@pytest.mark.points(0.5)
@pytest.mark.parametrize("loss", ["content_loss", "style_loss", "tv_loss"])
def test_loss_returns_a_scalar_tensor(student, expected, loss):
    value = student.call(ST + loss, *as_tensors(small_inputs(expected, loss)))
    assert isinstance(value, torch.Tensor), f"{loss} should return a torch tensor, got {type(value).__name__}"
    assert tuple(value.shape) == (), \
        f"{loss} should return a scalar tensor (shape (), as torch.sum gives), got shape {tuple(value.shape)}"


@pytest.mark.points(0.5)
def test_gram_matrix_keeps_the_batch_dimension(student):
    features = torch.from_numpy(np.random.default_rng(241).normal(size=(3, 4, 5, 6)))
    gram = student.call(ST + "gram_matrix", features)
    assert isinstance(gram, torch.Tensor), f"gram_matrix should return a torch tensor, got {type(gram).__name__}"
    assert tuple(gram.shape) == (3, 4, 4), \
        f"gram_matrix of features (N, C, H, W) = (3, 4, 5, 6) has shape {tuple(gram.shape)}, expected (N, C, C) = (3, 4, 4)"


@pytest.mark.points(0.5)
@pytest.mark.parametrize("loss", ["content_loss", "gram_matrix", "style_loss", "tv_loss"])
def test_loss_passes_gradcheck(student, expected, loss):
    # Built from torch operations, the losses let gradients flow back to the image's pixels; a
    # constant (zero gradient everywhere) passes a gradcheck, so the value is checked first.
    args = small_inputs(expected, loss)
    value = student.call(ST + loss, *as_tensors(args))
    if loss == "gram_matrix":
        assert isinstance(value, torch.Tensor), f"{loss} should return a torch tensor, got {type(value).__name__}"
        value = value.detach().double().numpy()
    else:
        value = scalar(value, loss)
    assert_close(value, expected[f"check_{loss}"], tol=1e-9, what=loss,
                 where="the gradcheck's small random float64 inputs")
    verdict = gradcheck(student, ST + loss, *args)
    assert verdict["passed"], f"{loss} fails gradcheck in float64 (autograd against centred differences): " \
                              f"{verdict['message']}"
