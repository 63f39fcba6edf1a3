"""NetworkVisualization hidden checks (5 points): the three functions against the reference on
random ImageNet images, labels, targets and settings, on this SqueezeNet."""
import numpy as np
import pytest
import torch

from gradekit.autograde.checks import assert_close
from gradekit.autograde.imagenet import imagenet, normalised, squeezenet

pytestmark = pytest.mark.notebook("NetworkVisualization")
NV = "cs231n.net_visualization."
OPS = "gradekit.autograde.torch_ops."


def as_array(value, what, shape):
    assert isinstance(value, torch.Tensor), f"{what} should return a torch tensor, got {type(value).__name__}"
    array = value.detach().double().numpy()
    assert array.shape == shape, f"{what} has shape {array.shape}, expected {shape}"
    assert np.isfinite(array).all(), f"{what} has {int((~np.isfinite(array)).sum())} non-finite values (NaN or inf)"
    return array


def update_step(process, data_dir, img, target_y, l2_reg, learning_rate, times=1):
    """The image after `times` calls of class_visualization_update_step (float64), which updates a
    copy of `img` in place."""
    try:
        out = process.call(OPS + "repeated", NV + "class_visualization_update_step", times,
                           torch.tensor(img, requires_grad=True), squeezenet(process, data_dir, float64=True),
                           target_y, l2_reg, learning_rate)
    except AssertionError as exc:  # the student's error, reported by the helper that called the function
        calls = "once" if times == 1 else f"{times} times on one image"
        raise AssertionError(f"class_visualization_update_step (called {calls}): {exc}") from None
    return as_array(out, "class_visualization_update_step (the image it updates in place)", img.shape)


# -- checks ---------------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_saliency_maps_match_the_reference_on_random_images_and_labels(student, reference, rng, data_dir):
    X, _ = imagenet(data_dir)
    N, crop = int(rng.integers(2, 5)), int(rng.choice([64, 96, 128]))
    X = normalised(X[rng.choice(len(X), size=N, replace=False)], crop=crop)
    y = rng.integers(1000, size=N)
    maps = []
    for process in (student, reference):
        model = squeezenet(process, data_dir, float64=True)
        maps.append(as_array(process.call(NV + "compute_saliency_maps", torch.from_numpy(X).requires_grad_(),
                                          torch.from_numpy(y), model), "compute_saliency_maps", (N, crop, crop)))
    assert_close(maps[0], maps[1], tol=1e-6, what="compute_saliency_maps",
                 where=f"{N} ImageNet images ({crop}x{crop} crops, float64) with random labels {y.tolist()}")


@pytest.mark.points(1.5)
def test_fooling_image_matches_the_reference(student, reference, rng, data_dir):
    X, y = imagenet(data_dir)
    index = int(rng.integers(len(X)))
    target_y = int(rng.choice(np.setdiff1d(np.arange(1000), [y[index]])))
    X = normalised(X[index:index + 1])
    images = [as_array(process.call(NV + "make_fooling_image", torch.from_numpy(X), target_y,
                                    squeezenet(process, data_dir, float64=True)), "make_fooling_image", X.shape)
              for process in (student, reference)]
    difference = float(np.linalg.norm(images[0] - images[1]) / max(np.linalg.norm(images[1] - X), 1e-12))
    assert difference < 1e-2, \
        f"make_fooling_image of ImageNet image {index} (float64) for target {target_y} differs from the reference's by " \
        f"{difference:.1%} of the reference's change ||X_fooling - X|| (normalised ascent steps, stopping as " \
        "soon as the model predicts the target)"


@pytest.mark.points(1.5)
def test_class_visualization_update_steps_match_the_reference(student, reference, rng, data_dir):
    # Two steps in a row on the same image: the second must start from a zeroed gradient.
    X, _ = imagenet(data_dir)
    index, crop = int(rng.integers(len(X))), int(rng.choice([64, 96, 128]))
    img = normalised(X[index:index + 1], crop=crop) + rng.normal(scale=0.3, size=(1, 3, crop, crop))
    target_y, l2_reg, learning_rate = int(rng.integers(1000)), float(rng.uniform(1e-4, 1e-2)), float(rng.uniform(5, 50))
    mine, theirs = (update_step(process, data_dir, img, target_y, l2_reg, learning_rate, times=2) - img
                    for process in (student, reference))
    assert_close(mine, theirs, tol=1e-6, what="class_visualization_update_step (two steps in a row) change of "
                 "the image", where=f"ImageNet image {index} ({crop}x{crop} crop plus noise, float64), "
                 f"target_y={target_y}, l2_reg={l2_reg:.3g}, learning_rate={learning_rate:.3g}")
