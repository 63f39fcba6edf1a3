"""Grading assignments 2 and 3 end to end, as assignment 1 is graded in test_grading.py.

Each batch holds the reference solution shaped as a submission and the untouched release: the
first must score full marks with every notebook executed to the end (its saved models reaching the
accuracy targets), the second 0 with a reason for every check.
"""
import pytest

from gradekit import course
from gradekit.authoring import reference
from gradekit.pipeline import grade

pytestmark = pytest.mark.e2e

CELL_TIMEOUT = 1800  # the best ConvNet of assignment 2 trains in one cell (about 5 minutes on 2 cores)
CALL_TIMEOUT = 60


@pytest.fixture(scope="module", params=["assignment2", "assignment3"])
def graded(request, data_dir, tmp_path_factory, execution_store):
    assignment = course.load(request.param)
    work = tmp_path_factory.mktemp(request.param)
    solved = reference.write(assignment, str(work / "reference"))
    options = grade.Options(assignment, str(work / "out"), data_dir, CELL_TIMEOUT, CALL_TIMEOUT,
                            grading_seed=4242, reuse_dir=execution_store)
    # One submission at a time: the reference's notebooks run two side by side, one core each.
    results = grade.grade_all([solved, assignment.release], options, jobs=1, progress=False)
    return assignment, {r["student_id"]: r for r in results}


def failed(result):
    return {t["id"]: t["message"] for t in result["tests"] if t["status"] != "passed"}


def test_reference_solution_scores_full_marks(graded):
    assignment, results = graded
    result = results["reference"]
    assert failed(result) == {}
    assert result["score"] == result["max_score"] == assignment.max_score


def test_reference_notebooks_all_execute(graded):
    assignment, results = graded
    execution = {n: v["execution"]["status"] for n, v in results["reference"]["notebooks"].items()}
    assert execution == {n: "ok" for n in assignment.notebooks}


def test_untouched_release_scores_zero_with_a_message_for_every_test(graded):
    assignment, results = graded
    result = results[assignment.name]
    assert result["score"] == 0 and result["max_score"] == assignment.max_score
    assert all(t["status"] in ("failed", "error") and t["message"] for t in result["tests"])
    assert any("NotImplementedError" in t["message"] for t in result["tests"])
