"""kNN (20 points with the hidden checks): distances three ways, and the majority vote."""
import numpy as np
import pytest

from gradekit.autograde.checks import assert_close, assert_equal, assert_shape

pytestmark = pytest.mark.notebook("knn")
KNN = "cs231n.classifiers.k_nearest_neighbor.KNearestNeighbor"
VARIANTS = ["compute_distances_two_loops", "compute_distances_one_loop", "compute_distances_no_loops"]


def trained(student, X_train, y_train):
    model = student.new(KNN)
    model.train(X_train, y_train)
    return model


@pytest.mark.points(3)
def test_two_loop_distances_match_expected(student, expected):
    model = trained(student, expected["X_train"], expected["y_train"])
    dists = model.compute_distances_two_loops(expected["X_test"])
    assert_close(dists, expected["dists"], tol=1e-9, what="compute_distances_two_loops")


@pytest.mark.points(2)
def test_one_loop_distances_match_expected(student, expected):
    model = trained(student, expected["X_train"], expected["y_train"])
    dists = model.compute_distances_one_loop(expected["X_test"])
    assert_close(dists, expected["dists"], tol=1e-9, what="compute_distances_one_loop")


@pytest.mark.points(3)
def test_no_loop_distances_match_expected(student, expected):
    model = trained(student, expected["X_train"], expected["y_train"])
    dists = model.compute_distances_no_loops(expected["X_test"])
    assert_close(dists, expected["dists"], tol=1e-9, what="compute_distances_no_loops")


@pytest.mark.points(1)
def test_distances_have_shape_num_test_by_num_train(student, expected):
    """At edge shapes (one test image, fewer training than test images, one dimension), with the
    expected values there: zeros of the right shape are not distances."""
    for case in ["edge0", "edge1", "edge2"]:
        X_train, X_test = expected[f"{case}_X_train"], expected[f"{case}_X_test"]
        model = trained(student, X_train, expected[f"{case}_y_train"])
        where = f"{len(X_test)} test x {len(X_train)} train x {X_train.shape[1]} dims"
        for variant in VARIANTS:
            dists = getattr(model, variant)(X_test)
            assert_shape(dists, (len(X_test), len(X_train)), what=variant)
            # 1e-7, as on new inputs: x^2 + y^2 - 2xy loses digits on the one-dimension case's close pairs
            assert_close(dists, expected[f"{case}_dists"], tol=1e-7, what=variant, where=where)


@pytest.mark.points(2)
def test_predict_labels_takes_the_majority_of_the_k_nearest(student):
    model = trained(student, np.zeros((6, 1)), np.array([0, 1, 1, 2, 2, 2]))
    dists = np.array([[0.1, 0.2, 0.3, 5.0, 6.0, 7.0],    # nearest 3: labels 0, 1, 1 -> 1
                      [9.0, 8.0, 7.0, 0.1, 0.2, 0.3],    # nearest 3: labels 2, 2, 2 -> 2
                      [0.1, 9.0, 9.0, 9.0, 9.0, 9.0]])   # k=1 would say 0; k=3 nearest: 0, 1, 1
    assert_equal(model.predict_labels(dists, k=3), [1, 2, 1], what="predict_labels(k=3)")
    assert_equal(model.predict_labels(dists, k=1), [0, 2, 0], what="predict_labels(k=1)")


@pytest.mark.points(2)
def test_predict_labels_breaks_ties_towards_the_smaller_label(student):
    model = trained(student, np.zeros((4, 1)), np.array([3, 1, 2, 0]))
    dists = np.array([[0.1, 0.2, 0.3, 0.4],   # k=2: labels 3, 1 tie -> 1
                      [0.4, 0.3, 0.2, 0.1],   # k=4: all tie -> 0
                      [0.2, 0.9, 0.1, 0.8]])  # k=2: labels 2, 3 tie -> 2
    assert_equal(model.predict_labels(dists[:1], k=2), [1], what="tie between labels 3 and 1")
    assert_equal(model.predict_labels(dists[1:2], k=4), [0], what="four-way tie")
    assert_equal(model.predict_labels(dists[2:], k=2), [2], what="tie between labels 2 and 3")
