"""Assignment 1's checks grade the function, not only its agreement with its own gradient: a loss
that returns 0.0 and zero gradients, or the loss and gradient of another function (sum(W) and
ones), fails every check of the function it replaces, with a message naming that function; the
reference passes them all. So do kNN distances of zeros, and the features notebook's saved models
of zeros. Each wrong function is the reference package with the function redefined at the end of
its module, graded by the real public and hidden checks of its notebook."""
import os

import numpy as np
import pytest

from autograder_runs import assert_fails_naming, checks_of, run_function_checks

pytestmark = pytest.mark.integration

KNN = "cs231n/classifiers/k_nearest_neighbor.py"
SVM = "cs231n/classifiers/linear_svm.py"
SOFTMAX = "cs231n/classifiers/softmax.py"
NET = "cs231n/classifiers/neural_net.py"

CONSTANT_ZERO = """
def {name}(W, X, y, reg):
    return 0.0, np.zeros_like(W)
"""
SUM_OF_W = """
def {name}(W, X, y, reg):
    return np.sum(W), np.ones_like(W)
"""
# Scores (loss without labels) stay the reference's: only the loss and gradients are replaced.
NET_ZERO_LOSS = """
_reference_loss = TwoLayerNet.loss


def _zero_loss(self, X, y=None, reg=0.0):
    if y is None:
        return _reference_loss(self, X)
    return 0.0, {name: np.zeros_like(value) for name, value in self.params.items()}


TwoLayerNet.loss = _zero_loss
"""
KNN_ZERO_DISTANCES = """

def _zero_distances(self, X):
    return np.zeros((X.shape[0], self.X_train.shape[0]))


KNearestNeighbor.compute_distances_two_loops = _zero_distances
KNearestNeighbor.compute_distances_one_loop = _zero_distances
KNearestNeighbor.compute_distances_no_loops = _zero_distances
"""

KNN_DISTANCE_CHECKS = {  # function check: what its message must name
    "public/test_knn.py::test_two_loop_distances_match_expected": "compute_distances_two_loops",
    "public/test_knn.py::test_one_loop_distances_match_expected": "compute_distances_one_loop",
    "public/test_knn.py::test_no_loop_distances_match_expected": "compute_distances_no_loops",
    "public/test_knn.py::test_distances_have_shape_num_test_by_num_train": "compute_distances_two_loops",
    "hidden/test_knn.py::test_distances_match_the_reference_on_new_inputs": "compute_distances_two_loops",
    "hidden/test_knn.py::test_predictions_match_the_reference": "predict",  # predict computes distances
}
SVM_CHECKS = {  # function check (public or hidden): the function its message must name
    "public/test_svm.py::test_naive_loss_matches_expected": "svm_loss_naive",
    "public/test_svm.py::test_naive_gradient_matches_numeric_gradient[0.0]": "svm_loss_naive",
    "public/test_svm.py::test_naive_gradient_matches_numeric_gradient[50.0]": "svm_loss_naive",
    "public/test_svm.py::test_vectorized_loss_matches_expected": "svm_loss_vectorized",
    "public/test_svm.py::test_vectorized_gradient_matches_expected": "svm_loss_vectorized",
    "public/test_svm.py::test_linear_svm_training_lowers_the_loss": "svm_loss_vectorized",  # LinearSVM.loss
    "hidden/test_svm.py::test_loss_and_gradient_match_the_reference[naive]": "svm_loss_naive",
    "hidden/test_svm.py::test_loss_and_gradient_match_the_reference[vectorized]": "svm_loss_vectorized",
}
SOFTMAX_CHECKS = {
    "public/test_softmax.py::test_loss_matches_expected[naive]": "softmax_loss_naive",
    "public/test_softmax.py::test_loss_matches_expected[vectorized]": "softmax_loss_vectorized",
    "public/test_softmax.py::test_gradient_matches_expected[naive]": "softmax_loss_naive",
    "public/test_softmax.py::test_gradient_matches_expected[vectorized]": "softmax_loss_vectorized",
    "public/test_softmax.py::test_naive_gradient_matches_numeric_gradient": "softmax_loss_naive",
    "public/test_softmax.py::test_loss_of_tiny_weights_is_chance_level": "softmax_loss_vectorized",
    "public/test_softmax.py::test_large_scores_do_not_overflow[naive]": "softmax_loss_naive",
    "public/test_softmax.py::test_large_scores_do_not_overflow[vectorized]": "softmax_loss_vectorized",
    "hidden/test_softmax.py::test_loss_and_gradient_match_the_reference[naive]": "softmax_loss_naive",
    "hidden/test_softmax.py::test_loss_and_gradient_match_the_reference[vectorized]": "softmax_loss_vectorized",
}
NET_LOSS_CHECKS = {  # the checks calling TwoLayerNet.loss with labels (directly or through train)
    "public/test_two_layer_net.py::test_toy_loss_with_regularization_matches_expected": "TwoLayerNet.loss",
    "public/test_two_layer_net.py::test_gradients_match_numeric_gradients": "TwoLayerNet.loss",
    "public/test_two_layer_net.py::test_toy_training_reaches_loss_below_0_02": "TwoLayerNet.loss",
    "public/test_two_layer_net.py::test_learning_rate_decays_once_per_epoch": "TwoLayerNet.loss",
    "hidden/test_two_layer_net.py::test_loss_and_gradients_match_the_reference_with_random_weights":
        "TwoLayerNet.loss",
}


def redefined(template, *names):
    """`template` (code redefining a function called {name}) for each of `names`."""
    return "".join(template.format(name=name) for name in names)


@pytest.mark.parametrize("notebook", ["knn", "svm", "softmax", "two_layer_net"])
def test_the_reference_passes_every_function_check(assignment1, tmp_path, data_dir, notebook):
    outcomes = checks_of(assignment1, tmp_path, data_dir, notebook)
    assert {test: o["message"] for test, o in outcomes.items() if o["status"] != "passed"} == {}


@pytest.mark.parametrize("template", [CONSTANT_ZERO, SUM_OF_W], ids=["constant_zero", "sum_of_W"])
def test_a_wrong_svm_loss_with_its_own_gradient_fails_every_svm_loss_check(assignment1, tmp_path, data_dir, template):
    outcomes = checks_of(assignment1, tmp_path, data_dir, "svm", SVM,
                         redefined(template, "svm_loss_naive", "svm_loss_vectorized"))
    assert_fails_naming(outcomes, SVM_CHECKS)


@pytest.mark.parametrize("template", [CONSTANT_ZERO, SUM_OF_W], ids=["constant_zero", "sum_of_W"])
def test_a_wrong_softmax_loss_with_its_own_gradient_fails_every_softmax_check(assignment1, tmp_path, data_dir,
                                                                                template):
    outcomes = checks_of(assignment1, tmp_path, data_dir, "softmax", SOFTMAX,
                         redefined(template, "softmax_loss_naive", "softmax_loss_vectorized"))
    assert_fails_naming(outcomes, SOFTMAX_CHECKS)


def test_a_two_layer_net_loss_of_zero_with_zero_gradients_fails_every_check_of_its_loss(assignment1, tmp_path,
                                                                                       data_dir):
    """The toy scores and predict checks, which call the loss without labels, keep their points."""
    outcomes = checks_of(assignment1, tmp_path, data_dir, "two_layer_net", NET, NET_ZERO_LOSS)
    assert_fails_naming(outcomes, NET_LOSS_CHECKS)


def test_distances_of_zeros_with_the_right_shape_fail_every_distance_check(assignment1, tmp_path, data_dir):
    """The predict_labels checks, which are given their distances, keep their points."""
    outcomes = checks_of(assignment1, tmp_path, data_dir, "knn", KNN, KNN_ZERO_DISTANCES)
    assert_fails_naming(outcomes, KNN_DISTANCE_CHECKS)


FEATURE_SHAPES = {"svm_W": (155, 10), "net_W1": (154, 50), "net_b1": (50,), "net_W2": (50, 10), "net_b2": (10,)}


def saved_features_check(assignment, tmp_path, data_dir, fill):
    """The public features check's outcome on the reference package and artifacts/features.npz
    holding `fill(shape)` for each saved model array."""
    artifacts = tmp_path / "work" / "artifacts"
    artifacts.mkdir(parents=True)
    np.savez(artifacts / "features.npz", **{name: fill(shape) for name, shape in FEATURE_SHAPES.items()})
    path = os.path.join(assignment.public_tests, "test_features.py")
    outcomes = run_function_checks(assignment, assignment.solutions, str(tmp_path / "work"), data_dir, paths=[path])
    return outcomes["public/test_features.py::test_saved_models_have_the_feature_shapes"]


def test_saved_feature_models_of_zeros_fail_the_features_check(assignment1, tmp_path, data_dir):
    outcome = saved_features_check(assignment1, tmp_path, data_dir, np.zeros)
    assert outcome["status"] == "failed" and "svm_W: all 1550 entries are 0" in outcome["message"], outcome


def test_saved_feature_models_of_distinct_weights_pass_the_features_check(assignment1, tmp_path, data_dir):
    rng = np.random.default_rng(0)
    outcome = saved_features_check(assignment1, tmp_path, data_dir, lambda shape: rng.normal(size=shape))
    assert outcome["status"] == "passed", outcome
