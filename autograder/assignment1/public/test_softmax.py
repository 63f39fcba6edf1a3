"""Softmax (20 points with the hidden checks): the cross-entropy loss and gradient, stable."""
import numpy as np
import pytest

from gradekit.autograde.checks import assert_close, assert_gradient

pytestmark = pytest.mark.notebook("softmax")
NAIVE = "cs231n.classifiers.softmax.softmax_loss_naive"
VECTORIZED = "cs231n.classifiers.softmax.softmax_loss_vectorized"
BOTH = [NAIVE, VECTORIZED]


def random_case(seed, n=20, d=8, c=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, c)) * 1e-1, rng.normal(size=(n, d)), rng.integers(0, c, size=n)


@pytest.mark.points(2)
@pytest.mark.parametrize("function", BOTH, ids=["naive", "vectorized"])
def test_loss_matches_expected(student, expected, function):
    loss, _ = student.call(function, expected["W"], expected["X"], expected["y"], expected["reg"])
    assert_close(loss, expected["loss"], tol=1e-9, what=f"{function.rsplit('.', 1)[1]} loss")


@pytest.mark.points(2)
@pytest.mark.parametrize("function", BOTH, ids=["naive", "vectorized"])
def test_gradient_matches_expected(student, expected, function):
    _, dW = student.call(function, expected["W"], expected["X"], expected["y"], expected["reg"])
    assert_close(dW, expected["dW"], tol=1e-7, what=f"{function.rsplit('.', 1)[1]} dW")


@pytest.mark.points(2)
def test_naive_gradient_matches_numeric_gradient(student, expected):
    """The loss itself first: a constant loss (0.0, zeros) or a consistent gradient of another
    function (sum(W), ones) would agree with its own numeric gradient."""
    W, X, y = expected["numeric_W"], expected["numeric_X"], expected["numeric_y"]
    loss, dW = student.call(NAIVE, W, X, y, 50.0)
    assert_close(loss, expected["numeric_loss"], tol=1e-9, what="softmax_loss_naive loss (reg=50)")
    assert_gradient(dW, lambda w: student.call(NAIVE, w, X, y, 50.0)[0], W, tol=1e-6,
                    what="softmax_loss_naive dW (reg=50)")


@pytest.mark.points(1)
def test_loss_of_tiny_weights_is_chance_level(student):
    W, X, y = random_case(4, n=50, d=30, c=10)
    loss, _ = student.call(VECTORIZED, W * 1e-6, X, y, 0.0)
    assert abs(loss - np.log(10)) < 1e-3, \
        f"softmax_loss_vectorized loss {loss:.4f} should be close to -log(0.1) = {np.log(10):.4f}"


@pytest.mark.points(1)
@pytest.mark.parametrize("function", BOTH, ids=["naive", "vectorized"])
def test_large_scores_do_not_overflow(student, expected, function):
    loss, dW = student.call(function, expected["big_W"], expected["X"], expected["y"], 0.0)
    name = function.rsplit(".", 1)[1]
    assert_close(loss, expected["big_loss"], tol=1e-9, what=f"{name} loss with every score near 1000 (exp overflows without the max shift)")
    assert_close(dW, expected["big_dW"], tol=1e-7, what=f"{name} dW with every score near 1000")
