"""SVM hidden checks: the reference on fresh CIFAR-shaped inputs, and best_svm on held-out test images."""
import pytest

from gradekit.autograde.checks import accuracy, assert_close

pytestmark = pytest.mark.notebook("svm")
FUNCTIONS = ["cs231n.classifiers.linear_svm.svm_loss_naive", "cs231n.classifiers.linear_svm.svm_loss_vectorized"]


@pytest.mark.points(2)
@pytest.mark.parametrize("function", FUNCTIONS, ids=["naive", "vectorized"])
def test_loss_and_gradient_match_the_reference(student, reference, rng, function):
    W, X = rng.normal(size=(3073, 10)) * 1e-4, rng.normal(size=(100, 3073)) * 60
    y, reg = rng.integers(0, 10, 100), float(rng.uniform(1e3, 5e4))
    loss, dW = student.call(function, W, X, y, reg)
    ref_loss, ref_dW = reference.call(function, W, X, y, reg)
    name = function.rsplit(".", 1)[1]
    assert_close(loss, ref_loss, tol=1e-8, what=f"{name} loss", where=f"reg {reg:g}")
    assert_close(dW, ref_dW, tol=1e-7, what=f"{name} dW", where=f"shape (3073, 10), reg {reg:g}")


@pytest.mark.points(5)
def test_best_svm_reaches_the_target_on_held_out_test_images(reference, artifacts, linear_rows, targets, measured):
    W = artifacts.load("svm")["W"]
    assert W.shape == (3073, 10), f"best_svm.W has shape {W.shape}, expected (3073, 10)"
    model = reference.new("cs231n.classifiers.linear_classifier.LinearSVM")
    model.W = W
    acc = accuracy(model.predict(linear_rows["X_held_out"]), linear_rows["y_held_out"])
    target = targets["svm_held_out"]
    measured("best_svm: accuracy on 5000 held-out test images", acc, target)
    assert acc >= target, f"best_svm accuracy {acc:.3f} < {target} on 5000 held-out test images"
