"""StyleTransfer hidden checks: the four losses against the reference on random float64 inputs.

Random sizes and weights, a batch of several images for the Gram matrix, random style layers in a
random order, and images that are not square for the TV loss (so that a difference taken along the
wrong axis, or one axis twice, shows).
"""
import numpy as np
import pytest
import torch

from gradekit.autograde.checks import assert_close

pytestmark = pytest.mark.notebook("StyleTransfer")
ST = "cs231n.style_transfer."


def compare(student, reference, function, args, where):
    """The student's `function(*args)` against the reference's, in float64."""
    mine, ref = student.call(ST + function, *args), reference.call(ST + function, *args)
    assert isinstance(mine, torch.Tensor), f"{function} should return a torch tensor, got {type(mine).__name__}"
    ref = ref.detach().numpy()
    mine = mine.detach().double().numpy()
    assert_close(mine.reshape(ref.shape) if mine.size == ref.size == 1 else mine, ref, tol=1e-9,
                 what=function, where=where)


def features(rng, n, c, h, w):
    return torch.from_numpy(rng.normal(size=(n, c, h, w)))


def weight(rng):
    return float(10 ** rng.uniform(-3, 3))


@pytest.mark.points(1)
def test_content_loss_matches_the_reference_on_random_features(student, reference, rng):
    shape = (1, *(int(v) for v in rng.integers(2, 9, size=3)))
    args = (weight(rng), features(rng, *shape), features(rng, *shape))
    compare(student, reference, "content_loss", args, f"random features {shape}, weight {args[0]:.3g}")


@pytest.mark.points(0.75)
@pytest.mark.parametrize("normalize", [True, False])
def test_gram_matrix_matches_the_reference_on_a_random_batch(student, reference, rng, normalize):
    N, C, H = (int(v) for v in rng.integers(2, 6, size=3))
    W = H + int(rng.integers(1, 4))
    compare(student, reference, "gram_matrix", (features(rng, N, C, H, W), normalize),
            f"random features (N, C, H, W) = {(N, C, H, W)}, normalize={normalize}")


@pytest.mark.points(1.5)
def test_style_loss_matches_the_reference_on_random_layers(student, reference, rng):
    sizes = [(int(c), int(h), int(h) + int(d)) for c, h, d in rng.integers(2, 7, size=(6, 3))]
    feats = [features(rng, 1, *size) for size in sizes]
    layers = [int(i) for i in rng.choice(len(feats), size=3, replace=False)]
    targets = [torch.from_numpy(np.abs(rng.normal(size=(1, sizes[i][0], sizes[i][0])))) for i in layers]
    weights = [weight(rng) for _ in layers]
    compare(student, reference, "style_loss", (feats, layers, targets, weights),
            f"6 random feature maps, style layers {layers}, weights {[f'{w:.3g}' for w in weights]}")


@pytest.mark.points(1)
def test_tv_loss_matches_the_reference_on_a_non_square_image(student, reference, rng):
    H = int(rng.integers(3, 8))
    W = H + int(rng.integers(3, 8))
    shape = (1, 3, H, W) if rng.random() < 0.5 else (1, 3, W, H)
    args = (torch.from_numpy(rng.normal(size=shape)), weight(rng))
    compare(student, reference, "tv_loss", args, f"a random image {shape}, weight {args[1]:.3g}")
