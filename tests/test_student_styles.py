"""Code written as the original course's students wrote it earns the points its values deserve:
each variant below is a correct (or, as a control, a wrong) student version of a reference
function, graded by the real public checks of its notebook."""

import pytest

from gradekit import course

from autograder_runs import changed_reference_checks

pytestmark = pytest.mark.integration

SOFTMAX = "cs231n/classifiers/softmax.py"
SHIFTED_LOG_SUM_EXP = """\
    scores -= np.max(scores, axis=1, keepdims=True)
    log_probs = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
"""
# The common student version: shift, then probabilities, then their log.
SHIFTED_PROBABILITIES_THEN_LOG = """\
    scores -= np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    log_probs = np.log(probs)
"""
UNSHIFTED_PROBABILITIES_THEN_LOG = """\
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    log_probs = np.log(probs)
"""
LARGE_SCORES = "public/test_softmax.py::test_large_scores_do_not_overflow[vectorized]"


def public_checks_with(tmp_path, data_dir, module, find, replace, test_file, name="assignment1", hidden=False):
    """The outcomes of one public test file (and with `hidden` its hidden one) on the reference
    package of assignment `name` with `find` replaced by `replace` in its `module` (e.g.
    cs231n/classifiers/softmax.py)."""
    def change(text):
        assert find in text, f"the reference's {module} changed: update this test"
        return text.replace(find, replace)
    return changed_reference_checks(course.load(name), tmp_path, data_dir, [test_file], module, change,
                                    folders=("public", "hidden")[:1 + hidden])


def softmax_checks(tmp_path, data_dir, replacement):
    """The public softmax checks with the vectorized loss's log-probabilities computed as `replacement` does."""
    return public_checks_with(tmp_path, data_dir, SOFTMAX, SHIFTED_LOG_SUM_EXP, replacement, "test_softmax.py")


def test_a_shifted_softmax_taking_the_log_of_probabilities_handles_scores_near_1000(tmp_path, data_dir):
    outcomes = softmax_checks(tmp_path, data_dir, SHIFTED_PROBABILITIES_THEN_LOG)
    assert {t: o["message"] for t, o in outcomes.items() if o["status"] != "passed"} == {}


def test_a_softmax_without_the_max_shift_fails_the_large_scores_check(tmp_path, data_dir):
    outcomes = softmax_checks(tmp_path, data_dir, UNSHIFTED_PROBABILITIES_THEN_LOG)
    assert outcomes[LARGE_SCORES]["status"] == "failed", outcomes[LARGE_SCORES]


KNN = "cs231n/classifiers/k_nearest_neighbor.py"
PREDICT = "public/test_knn.py::test_predict_labels_breaks_ties_towards_the_smaller_label"


def knn_checks(tmp_path, data_dir, find, replace):
    """The public kNN checks with `find` replaced by `replace` in the reference's kNN."""
    return public_checks_with(tmp_path, data_dir, KNN, find, replace, "test_knn.py")


def test_numpy_1_type_aliases_fail_with_a_message_saying_what_numpy_2_wants(tmp_path, data_dir):
    outcomes = knn_checks(tmp_path, data_dir, "y_pred = np.zeros(num_test)", "y_pred = np.zeros(num_test, dtype=np.int)")
    assert outcomes[PREDICT]["status"] == "failed"
    assert "module 'numpy' has no attribute 'int': np.int was removed in numpy 1.24 and the course runs numpy 2; " \
           "write int" in outcomes[PREDICT]["message"]


def test_an_array_of_one_element_used_as_a_number_fails_with_a_message_saying_to_take_the_number_out(tmp_path,
                                                                                                     data_dir):
    outcomes = knn_checks(tmp_path, data_dir, "y_pred[i] = np.argmax(np.bincount(closest_y))",
                          "y_pred[i] = np.argmax(np.bincount(closest_y), keepdims=True)")
    assert outcomes[PREDICT]["status"] == "failed"
    assert "numpy 2, which the course runs, does not turn an array of one element into a number; take the number " \
           "out with .item() (or index it)" in outcomes[PREDICT]["message"]


KEEPDIMS = ("    dbeta = dout.sum(axis=0)\n    dgamma = np.sum(dout * x_hat, axis=0)\n",
            "    dbeta = dout.sum(axis=0, keepdims=True)\n    dgamma = np.sum(dout * x_hat, axis=0, keepdims=True)\n")


def test_normalisation_gradients_of_shape_1_by_d_earn_the_points_of_their_values(tmp_path, data_dir):
    """dgamma and dbeta of shape (1, D) in batchnorm_backward, its alt and layernorm_backward: the
    course's notebooks accept them (their rel_error broadcasts), and so do the checks."""
    outcomes = public_checks_with(tmp_path, data_dir, "cs231n/layers.py", *KEEPDIMS, "test_batch_normalization.py",
                                  name="assignment2", hidden=True)
    assert len(outcomes) > 10
    assert {t: o["message"] for t, o in outcomes.items() if o["status"] != "passed"} == {}
