"""NetworkVisualization (10 of its 15 points; the rest are hidden checks): saliency maps, fooling
images and the class-visualization update step, on the pretrained SqueezeNet and ImageNet images.

The student's functions run in the worker on a SqueezeNet the worker loads (`keep=True`). A
fooling image is judged by a SqueezeNet the grader runs itself (the reference's, when grading),
never by what the student's code reports. Images are the course's ImageNet sample, normalised
here as the notebook's `preprocess` does; fixed-input values come from the reference on this
SqueezeNet (public/expected/NetworkVisualization.npz).
"""
import numpy as np
import pytest
import torch

from gradekit.autograde.checks import assert_close, assert_finite, assert_shape
from gradekit.autograde.imagenet import imagenet, normalised, squeezenet

pytestmark = pytest.mark.notebook("NetworkVisualization")
NV = "cs231n.net_visualization."
OPS = "gradekit.autograde.torch_ops."
LOAD = "cs231n.squeezenet.load_squeezenet"
FOOL_INDEX, FOOL_TARGET = 0, 6  # the course's fooling example (a stingray)
STEP = dict(index=5, target_y=76, l2_reg=1e-3, learning_rate=25)  # the course's class-visualization settings


@pytest.fixture
def judge(request, student):
    """Who runs the network that judges a result: the reference when grading; the student's
    worker when a student runs these checks locally without the reference."""
    try:
        return request.getfixturevalue("reference")
    except pytest.skip.Exception:
        return student


def as_array(value, what, shape=None):
    assert isinstance(value, torch.Tensor), f"{what} should return a torch tensor, got {type(value).__name__}"
    array = value.detach().double().numpy()
    if shape is not None:
        assert_shape(array, shape, what=what)
    assert_finite(array, what)
    return array


def saliency_inputs(data_dir):
    """The course's 5 images (central 112x112 crops, to keep the expected values small) and labels."""
    X, y = imagenet(data_dir)
    return normalised(X[:5], crop=112), y[:5]


def saliency(student, data_dir, X, y):
    model = squeezenet(student, data_dir, float64=True)
    result = student.call(NV + "compute_saliency_maps", torch.from_numpy(X).requires_grad_(), torch.from_numpy(y),
                          model)
    return as_array(result, "compute_saliency_maps", (X.shape[0],) + X.shape[2:])


@pytest.mark.points(1)
def test_saliency_maps_have_one_nonnegative_value_per_pixel(student, data_dir):
    X, y = saliency_inputs(data_dir)
    maps = saliency(student, data_dir, X[:2], y[:2])
    assert maps.min() >= 0, f"compute_saliency_maps has negative values (min {maps.min():.3g}): the saliency " \
                            "of a pixel is the largest ABSOLUTE gradient over its channels"
    assert maps.max() > 0, "compute_saliency_maps is zero everywhere"


@pytest.mark.points(2)
def test_saliency_maps_match_expected_on_the_imagenet_images(student, expected, data_dir):
    X, y = saliency_inputs(data_dir)
    maps, reference = saliency(student, data_dir, X, y), expected["saliency"]
    assert maps.shape == reference.shape, f"compute_saliency_maps has shape {maps.shape}, expected {reference.shape}"
    # Per image, the part of its saliency that differs: max pooling breaks ties (two equal inputs)
    # by rounding, which differs between CPUs and sends one pixel's gradient to its neighbour. Such
    # a flip moves about 2e-4 of an image's saliency; a wrong map moves most of it.
    per_image = (len(maps), -1)
    moved = np.abs(maps - reference).reshape(per_image).sum(axis=1) / np.abs(reference).reshape(per_image).sum(axis=1)
    worst = int(np.argmax(moved))
    assert moved[worst] <= 1e-3, (f"compute_saliency_maps differs from the expected values on image {worst} of the 5 "
                                  f"ImageNet images (central 112x112 crops, float64): sum |yours - expected| is "
                                  f"{moved[worst]:.2g} of the expected map's sum (at most 1e-3)")


def fooling(student, data_dir, X, target_y, score_scale=1.0):
    """The student's fooling image of X (float64: in float32 rounding makes the steps' directions
    drift apart after a few steps); `score_scale` multiplies the network's scores first (its last
    convolution scaled: the same predictions, gradients `score_scale` times larger)."""
    model = squeezenet(student, data_dir, float64=True)
    if score_scale != 1.0:
        state = student.call(OPS + "state_dict", model)
        state = {k: v * score_scale if k.startswith("classifier.1.") else v for k, v in state.items()}
        student.call(OPS + "load_state", model, state)
    X_fooling = student.call(NV + "make_fooling_image", torch.from_numpy(X), target_y, model)
    return as_array(X_fooling, "make_fooling_image", X.shape)


_FOOLED = {}


def course_fooling_image(student, data_dir):
    """(X, target_y, the student's fooling image) of the course's example, computed once per worker
    (three checks judge it); a call that fails is not kept, so each check reports it."""
    X, _ = imagenet(data_dir)
    X, target_y = normalised(X[FOOL_INDEX:FOOL_INDEX + 1]), FOOL_TARGET
    key = (id(student), student.generation)
    if key not in _FOOLED:
        _FOOLED[key] = fooling(student, data_dir, X, target_y)
    return X, target_y, _FOOLED[key]


def relative_change(image, original):
    return float(np.linalg.norm(image - original) / np.linalg.norm(original))


@pytest.mark.points(2)
def test_fooling_image_is_classified_as_the_target(student, judge, data_dir):
    X, target_y, X_fooling = course_fooling_image(student, data_dir)
    scores = judge.call(OPS + "forward", squeezenet(judge, data_dir, float64=True), X_fooling).numpy()[0]
    predicted = int(scores.argmax())
    assert predicted == target_y, \
        f"make_fooling_image: SqueezeNet classifies the fooling image of image {FOOL_INDEX} as class {predicted} " \
        f"(score {scores[predicted]:.3f}), not the target {target_y} (score {scores[target_y]:.3f})"


@pytest.mark.points(1)
def test_fooling_image_stays_close_to_the_original(student, data_dir):
    X, target_y, X_fooling = course_fooling_image(student, data_dir)
    change = relative_change(X_fooling, X)
    assert change < 0.05, \
        f"make_fooling_image changes image {FOOL_INDEX} by {change:.1%} (||X_fooling - X|| / ||X||); a few " \
        "small normalised steps change it by about 2%"


@pytest.mark.points(1)
def test_fooling_steps_are_normalised(student, data_dir):
    # A step lr * g / ||g|| does not depend on the scale of the scores; a step lr * g does.
    X, target_y, plain = course_fooling_image(student, data_dir)
    scaled = fooling(student, data_dir, X, target_y, score_scale=10)
    difference = float(np.linalg.norm(scaled - plain) / max(np.linalg.norm(plain - X), 1e-12))
    assert difference < 1e-2, \
        f"make_fooling_image: with every score 10 times larger, the fooling image of image {FOOL_INDEX} (float64) " \
        f"changes by {difference:.1%} of " \
        "||X_fooling - X||; normalised steps learning_rate * g / ||g||_2 would give the same image"


def step_inputs(data_dir):
    X, _ = imagenet(data_dir)
    return normalised(X[STEP["index"]:STEP["index"] + 1], crop=112)


def update_step(process, data_dir, img, target_y, l2_reg, learning_rate, times=1):
    """The image after `times` calls of class_visualization_update_step (float64), which updates a
    copy of `img` in place."""
    model = squeezenet(process, data_dir, float64=True)
    try:
        out = process.call(OPS + "repeated", NV + "class_visualization_update_step", times,
                           torch.tensor(img, requires_grad=True), model, target_y, l2_reg, learning_rate)
    except AssertionError as exc:  # the student's error, reported by the helper that called the function
        calls = "once" if times == 1 else f"{times} times on one image"
        raise AssertionError(f"class_visualization_update_step (called {calls}): {exc}") from None
    return as_array(out, "class_visualization_update_step (the image it updates in place)", img.shape)


@pytest.mark.points(2)
def test_class_visualization_update_step_matches_expected(student, expected, data_dir):
    img = step_inputs(data_dir)
    args = STEP["target_y"], STEP["l2_reg"], STEP["learning_rate"]
    change = update_step(student, data_dir, img, *args) - img
    assert_close(change, expected["update_step_change"], tol=1e-5, what="class_visualization_update_step change "
                 "of the image", where=f"ImageNet image {STEP['index']} (central 112x112 crop, float64), "
                 f"target_y={args[0]}, l2_reg={args[1]}, learning_rate={args[2]}")


@pytest.mark.points(1)
def test_class_visualization_update_step_climbs_the_regularised_score(student, judge, data_dir):
    # With a strong L2 term, a small step must raise s_y(img) - l2_reg * ||img||^2: a step down, or
    # one that adds the L2 term instead of subtracting it, lowers it.
    img, target_y, l2_reg = step_inputs(data_dir), STEP["target_y"], 0.1
    after = update_step(student, data_dir, img, target_y, l2_reg, 0.05)
    model = squeezenet(judge, data_dir, float64=True)
    before_value, after_value = (float(judge.call(OPS + "forward", model, x).numpy()[0, target_y])
                                 - l2_reg * float(np.sum(x * x)) for x in (img, after))
    assert after_value > before_value, \
        f"class_visualization_update_step lowers s_y(img) - l2_reg * ||img||^2 from {before_value:.4g} to " \
        f"{after_value:.4g} (target_y={target_y}, l2_reg={l2_reg}, learning_rate=0.05): it should be a gradient " \
        "ASCENT step on the score MINUS the L2 penalty"
