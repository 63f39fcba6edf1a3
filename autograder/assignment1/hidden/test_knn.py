"""kNN hidden checks: the reference on fresh inputs, and the chosen k on CIFAR-10."""
import pytest

from gradekit.autograde.checks import accuracy, assert_close, assert_equal
from gradekit.data.student_data import HELD_OUT_FROM

pytestmark = pytest.mark.notebook("knn")
KNN = "cs231n.classifiers.k_nearest_neighbor.KNearestNeighbor"
VARIANTS = ["compute_distances_two_loops", "compute_distances_one_loop", "compute_distances_no_loops"]


def both(student, reference, X_train, y_train):
    mine, ref = student.new(KNN), reference.new(KNN)
    mine.train(X_train, y_train)
    ref.train(X_train, y_train)
    return mine, ref


@pytest.mark.points(2)
def test_distances_match_the_reference_on_new_inputs(student, reference, rng):
    num_train, num_test, dim = rng.integers(5, 60), rng.integers(1, 20), rng.integers(1, 50)
    X_train, X_test = rng.normal(size=(num_train, dim)) * 50, rng.normal(size=(num_test, dim)) * 50
    mine, ref = both(student, reference, X_train, rng.integers(0, 10, num_train))
    expected = ref.compute_distances_no_loops(X_test)
    for variant in VARIANTS:
        assert_close(getattr(mine, variant)(X_test), expected, tol=1e-7, what=variant,
                     where=f"{num_test} test x {num_train} train x {dim} dims")


@pytest.mark.points(1)
def test_predictions_match_the_reference(student, reference, rng):
    """Few labels and even k: many tied votes (distances themselves do not tie)."""
    X_train, y_train = rng.normal(size=(80, 3)), rng.integers(0, 3, 80)
    X_test = rng.normal(size=(30, 3))
    mine, ref = both(student, reference, X_train, y_train)
    for k in (1, 2, 4, 8):
        assert_equal(mine.predict(X_test, k=k), ref.predict(X_test, k=k), what=f"predict(k={k})")


@pytest.mark.points(4)
def test_best_k_reaches_the_target_on_test(reference, artifacts, cifar, targets, measured):
    best_k = int(artifacts.load("knn")["best_k"])
    X, y, X_test, y_test = cifar.all()
    model = reference.new(KNN)
    model.train(X[:5000].reshape(5000, -1), y[:5000])
    held_out = slice(HELD_OUT_FROM, HELD_OUT_FROM + 1000)
    acc = accuracy(model.predict(X_test[held_out].reshape(1000, -1), k=best_k), y_test[held_out])
    target = targets["knn_best_k_test"]
    measured(f"kNN with best_k = {best_k}: accuracy on 1000 held-out test images", acc, target)
    assert acc >= target, f"best_k = {best_k} gives accuracy {acc:.3f} < {target} on 1000 held-out test images"
