"""SVM (25 points with the hidden checks): the hinge loss and its gradient, naive and vectorised."""
import numpy as np
import pytest

from gradekit.autograde.checks import assert_close, assert_equal, assert_finite, assert_gradient

pytestmark = pytest.mark.notebook("svm")
NAIVE = "cs231n.classifiers.linear_svm.svm_loss_naive"
VECTORIZED = "cs231n.classifiers.linear_svm.svm_loss_vectorized"


def random_case(seed, n=20, d=8, c=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, c)) * 1e-1, rng.normal(size=(n, d)), rng.integers(0, c, size=n)


@pytest.mark.points(2)
def test_naive_loss_matches_expected(student, expected):
    loss, _ = student.call(NAIVE, expected["W"], expected["X"], expected["y"], expected["reg"])
    assert_close(loss, expected["loss"], tol=1e-9, what="svm_loss_naive loss")


@pytest.mark.points(2)
@pytest.mark.parametrize("reg", [0.0, 50.0])
def test_naive_gradient_matches_numeric_gradient(student, expected, reg):
    """The loss itself first: a constant loss (0.0, zeros) or a consistent gradient of another
    function (sum(W), ones) would agree with its own numeric gradient."""
    W, X, y = expected["numeric_W"], expected["numeric_X"], expected["numeric_y"]
    loss, dW = student.call(NAIVE, W, X, y, reg)
    assert_close(loss, expected[f"numeric_loss_reg{reg:g}"], tol=1e-9, what=f"svm_loss_naive loss (reg={reg:g})")
    assert_gradient(dW, lambda w: student.call(NAIVE, w, X, y, reg)[0], W, tol=1e-6,
                    what=f"svm_loss_naive dW (reg={reg:g})")


@pytest.mark.points(3)
def test_vectorized_loss_matches_expected(student, expected):
    loss, _ = student.call(VECTORIZED, expected["W"], expected["X"], expected["y"], expected["reg"])
    assert_close(loss, expected["loss"], tol=1e-9, what="svm_loss_vectorized loss")


@pytest.mark.points(3)
def test_vectorized_gradient_matches_expected(student, expected):
    _, dW = student.call(VECTORIZED, expected["W"], expected["X"], expected["y"], expected["reg"])
    assert_close(dW, expected["dW"], tol=1e-7, what="svm_loss_vectorized dW")


START_TOL = 0.05
"""How far the first loss may be from C - 1: at W = 0.001 * randn each score is about 0.003 (10
features of unit scale), so each margin is 1 give or take 0.01, and their batch mean, the loss,
is C - 1 within 0.003 (the reference over 200 seeds); the rest of 0.05 leaves room for any
minibatch sampling and regularisation (reg * sum W^2 is about 3e-8 here)."""


@pytest.mark.points(2)
def test_linear_svm_training_lowers_the_loss(student):
    """Starts where the course says (every margin about 1 at small weights: loss about C - 1), then falls."""
    classes = 3
    _, X, y = random_case(4, n=200, d=10, c=classes)
    model = student.new("cs231n.classifiers.linear_classifier.LinearSVM")
    history = model.train(X, y, learning_rate=1e-2, reg=1e-3, num_iters=60, batch_size=50, seed=0)
    assert len(history) == 60, f"LinearSVM.train returned {len(history)} losses for 60 iterations"
    history = assert_finite(history, what="LinearSVM.train loss history")
    start = classes - 1
    assert abs(history[0] - start) <= START_TOL, \
        f"LinearSVM.train: first loss {history[0]:.4f}, expected about C - 1 = {start} at the initial " \
        f"weights 0.001 * randn (within {START_TOL}): is svm_loss_vectorized the hinge loss with margin 1?"
    assert np.mean(history[-10:]) < np.mean(history[:10]), \
        f"LinearSVM.train: the loss did not go down: first {history[0]:.3f}, last {history[-1]:.3f}"


@pytest.mark.points(2)
def test_predict_returns_the_highest_scoring_class(student):
    W, X, _ = random_case(5, n=30, d=6, c=5)
    model = student.new("cs231n.classifiers.linear_classifier.LinearSVM")
    model.set("W", W)
    assert_equal(model.predict(X), np.argmax(X @ W, axis=1), what="LinearSVM.predict")
