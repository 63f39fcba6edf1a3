"""Code written as the original course's students wrote it earns the points its values deserve:
each variant below is a correct (or, as a control, a wrong) student version of a reference
function, graded by the real public checks of its notebook."""
import os
import shutil

import pytest

from gradekit import course

from autograder_runs import run_function_checks

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


def softmax_checks(tmp_path, data_dir, replacement):
    """The public softmax checks' outcomes on the reference package with its vectorized loss's
    log-probabilities computed as `replacement` does."""
    assignment = course.load("assignment1")
    root = tmp_path / "submission"
    shutil.copytree(assignment.solutions, root)
    path = root / SOFTMAX
    text = path.read_text()
    assert SHIFTED_LOG_SUM_EXP in text, "the reference's softmax changed: update this test"
    path.write_text(text.replace(SHIFTED_LOG_SUM_EXP, replacement))
    return run_function_checks(assignment, str(root), str(tmp_path / "work"), data_dir,
                               paths=[os.path.join(assignment.public_tests, "test_softmax.py")], threads=1)


def test_a_shifted_softmax_taking_the_log_of_probabilities_handles_scores_near_1000(tmp_path, data_dir):
    outcomes = softmax_checks(tmp_path, data_dir, SHIFTED_PROBABILITIES_THEN_LOG)
    assert {t: o["message"] for t, o in outcomes.items() if o["status"] != "passed"} == {}


def test_a_softmax_without_the_max_shift_fails_the_large_scores_check(tmp_path, data_dir):
    outcomes = softmax_checks(tmp_path, data_dir, UNSHIFTED_PROBABILITIES_THEN_LOG)
    assert outcomes[LARGE_SCORES]["status"] == "failed", outcomes[LARGE_SCORES]
