"""GANs (15 points with the hidden checks): noise, the vanilla/LS/DC networks and the GAN losses.

The student's networks stay in the worker (`keep=True`); the checks ask it for raw values
(outputs, gradients, parameter names and shapes, optimizer settings) through the accessors of
gradekit.autograde.torch_ops and count, compare and check gradients here. Inputs are the
course's (the logits of gan-checks-tf.npz) or drawn from fixed seeds.
"""
import numpy as np
import pytest
import torch

from gradekit.autograde.checks import assert_close, assert_shape
from gradekit.autograde.torch_ops import class_name, gradcheck, optimized_params, parameter_count

pytestmark = pytest.mark.notebook("GANs")
G = "cs231n.gan."
OPS = "gradekit.autograde.torch_ops."
LOSSES = {  # name: (expected value, the logits it takes)
    "discriminator_loss": ("d_loss", ("logits_real", "logits_fake")),
    "generator_loss": ("g_loss", ("logits_fake",)),
    "ls_discriminator_loss": ("d_loss_lsgan", ("logits_real", "logits_fake")),
    "ls_generator_loss": ("g_loss_lsgan", ("logits_fake",)),
}


def scalar(value, what):
    """The value of a loss that must be a torch scalar (so that `.backward()` trains with it)."""
    assert isinstance(value, torch.Tensor), f"{what} should return a torch tensor, got {type(value).__name__}"
    assert value.numel() == 1, f"{what} should return a single number, got shape {tuple(value.shape)}"
    return value.detach().reshape(()).double().numpy()


def network(student, target, *args):
    return student.call(G + target, *args, keep=True)


def output(student, model, x, what, **options):
    out = student.call(OPS + "forward", model, x, **options)
    assert isinstance(out, torch.Tensor), f"{what} should return a torch tensor, got {type(out).__name__}"
    return out.double().numpy()


@pytest.mark.points(1)
def test_sample_noise_is_uniform_between_minus_one_and_one(student):
    noise = student.call(G + "sample_noise", 3, 4, seed=231)
    assert isinstance(noise, torch.Tensor), f"sample_noise should return a torch tensor, got {type(noise).__name__}"
    assert tuple(noise.shape) == (3, 4), f"sample_noise(3, 4) has shape {tuple(noise.shape)}, expected (3, 4)"
    many = student.call(G + "sample_noise", 2000, 50, seed=232).double().numpy()
    assert_shape(many, (2000, 50), what="sample_noise(2000, 50)")
    low, high, mean, var = many.min(), many.max(), many.mean(), many.var()
    assert -1 <= low and high <= 1, f"sample_noise values lie in [{low:.3f}, {high:.3f}], expected within [-1, 1]"
    assert low < -0.99 and high > 0.99, \
        f"sample_noise values lie in [{low:.3f}, {high:.3f}]: they should cover the whole of (-1, 1)"
    assert abs(mean) < 0.01 and abs(var - 1 / 3) < 0.01, \
        f"sample_noise has mean {mean:.3f} and variance {var:.3f}; uniform noise on (-1, 1) has 0 and 1/3"


@pytest.mark.points(1)
def test_discriminator_has_the_course_parameter_count(student, expected):
    count = parameter_count(student, network(student, "discriminator"))
    assert count == expected["D_params"], f"discriminator() has {count} parameters, expected {int(expected['D_params'])}"


@pytest.mark.points(0.5)
def test_discriminator_gives_one_score_per_image(student):
    images = np.random.default_rng(233).uniform(-1, 1, size=(7, 1, 28, 28))
    scores = output(student, network(student, "discriminator"), images, "discriminator()")
    assert_shape(scores, (7, 1), what="discriminator() scores of 7 images (7, 1, 28, 28)")


@pytest.mark.points(1)
def test_generator_has_the_course_parameter_count(student, expected):
    count = parameter_count(student, network(student, "generator", 4))
    assert count == expected["G_params"], f"generator(4) has {count} parameters, expected {int(expected['G_params'])}"


@pytest.mark.points(1)
def test_generator_images_lie_between_minus_one_and_one(student):
    # Large noise drives the last layer far from 0: only a final tanh keeps the pixels in [-1, 1].
    noise = 100 * np.random.default_rng(234).uniform(-1, 1, size=(9, 96))
    images = output(student, network(student, "generator", 96), noise, "generator(96)")
    assert_shape(images, (9, 784), what="generator(96) images of 9 noise vectors")
    low, high = images.min(), images.max()
    assert -1 <= low and high <= 1, \
        f"generator images have values in [{low:.3g}, {high:.3g}], expected [-1, 1] (does it end with a tanh?)"


@pytest.mark.points(1)
@pytest.mark.parametrize("loss", list(LOSSES))
def test_loss_matches_the_course_value(student, expected, loss):
    name, inputs = LOSSES[loss]
    value = student.call(G + loss, *(torch.from_numpy(expected[k]) for k in inputs))
    assert_close(scalar(value, loss), expected[name], tol=1e-6, what=loss,
                 where="the course's logits (gan-checks-tf.npz)")


@pytest.mark.points(0.25)
@pytest.mark.parametrize("loss", list(LOSSES))
def test_loss_passes_gradcheck(student, expected, loss):
    # The losses must be built from torch operations so that gradients flow back to the logits; a
    # constant (zero gradient everywhere) passes a gradcheck, so the value is checked first.
    logits = [expected[f"check_logits_{k}"] for k in range(len(LOSSES[loss][1]))]
    value = student.call(G + loss, *(torch.from_numpy(x) for x in logits))
    assert_close(scalar(value, loss), expected[f"check_{loss}"], tol=1e-9, what=loss,
                 where="the gradcheck's random logits (6, 1) in float64")
    verdict = gradcheck(student, G + loss, *logits)
    assert verdict["passed"], f"{loss} fails gradcheck in float64 (autograd against centred differences): " \
                              f"{verdict['message']}"


@pytest.mark.points(0.5)
def test_get_optimizer_is_adam_with_the_course_settings(student):
    model = student.call("torch.nn.Linear", 5, 3, keep=True)  # any model: this checks get_optimizer alone
    optimizer = student.call(G + "get_optimizer", model, keep=True)
    kind = class_name(student, optimizer)
    assert kind == "Adam", f"get_optimizer returned a {kind}, expected torch.optim.Adam"
    settings = optimizer.get("defaults")
    lr, betas = settings["lr"], tuple(settings["betas"])
    assert np.isclose(lr, 1e-3) and np.allclose(betas, (0.5, 0.999)), \
        f"get_optimizer uses lr {lr} and betas {betas}, expected lr 1e-3 and betas (0.5, 0.999)"
    updated, total = optimized_params(student, optimizer, model)
    assert updated == total, f"the optimizer updates {updated} of the model's {total} parameter tensors"


@pytest.mark.points(1)
def test_dc_classifier_has_the_course_parameter_count_and_scores_each_image(student, expected):
    model = network(student, "build_dc_classifier", 128)
    count = parameter_count(student, model)
    assert count == expected["DC_D_params"], \
        f"build_dc_classifier() has {count} parameters, expected {int(expected['DC_D_params'])}"
    images = np.random.default_rng(236).uniform(-1, 1, size=(128, 1, 28, 28))
    scores = output(student, model, images, "build_dc_classifier(128)")
    assert_shape(scores, (128, 1), what="build_dc_classifier(128) scores of a batch (128, 1, 28, 28)")


@pytest.mark.points(1)
def test_dc_generator_has_the_course_parameter_count_and_makes_images(student, expected):
    count = parameter_count(student, network(student, "build_dc_generator", 4))
    assert count == expected["DC_G_params"], \
        f"build_dc_generator(4) has {count} parameters, expected {int(expected['DC_G_params'])}"
    noise = np.random.default_rng(237).uniform(-1, 1, size=(16, 96))
    images = output(student, network(student, "build_dc_generator", 96), noise, "build_dc_generator(96)",
                    mode="train")
    assert_shape(images, (16, 784), what="build_dc_generator(96) images of 16 noise vectors")
    low, high = images.min(), images.max()
    assert -1 <= low and high <= 1, \
        f"build_dc_generator images have values in [{low:.3g}, {high:.3g}], expected [-1, 1]"
