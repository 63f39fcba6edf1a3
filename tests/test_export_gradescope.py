"""`gradekit export gradescope`: results.json in Gradescope's format, checked against its schema."""
import copy
import json
import os

import jsonschema
import pytest

from gradekit import cli
from gradekit.pipeline import report
from gradekit.export import gradescope

pytestmark = pytest.mark.unit

SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "fixtures", "gradescope_results.schema.json")
HIDDEN_SECRET = "reference value 0.7391 on the grader's input seed 4242"


def schema_errors(document):
    """The messages of every way `document` breaks Gradescope's results schema ([] when valid)."""
    with open(SCHEMA_PATH) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(document)]


def check(id_, points, earned, status, message=""):
    notebook = id_.split("test_")[1].split(".py")[0]
    return {"id": id_, "notebook": notebook, "points": points, "name": id_.split("::")[1],
            "reads_artifacts": False, "earned": earned, "status": status, "message": message}


GRADED = {
    "assignment": "assignment1", "student_id": "alice", "timestamp": "2026-01-01T00:00:00+00:00",
    "status": "graded", "error": None, "warnings": [], "sandbox": True,
    "timings": {"unpack": 0.01, "execute": 81.97, "check": 33.81},
    "score": 4.333333, "max_score": 10.0,
    "notebooks": {
        "knn": {"score": 3.333333, "max_score": 5.0, "execution": {"status": "ok", "message": "", "seconds": 30.2}},
        "svm": {"score": 1.0, "max_score": 5.0,
                "execution": {"status": "timeout", "message": "cell 7 (`time.sleep(3600)`) exceeded the 600 s time limit",
                              "seconds": 600.1}},
    },
    "tests": [
        check("public/test_knn.py::test_no_loop_distances_match_expected", 2.0, 2.0, "passed"),
        check("hidden/test_knn.py::test_predictions_match_the_reference", 3.0, 1.333333, "failed", HIDDEN_SECRET),
        check("public/test_svm.py::test_loss_matches_expected", 2.0, 0.0, "failed", "loss 9.1 differs from expected 8.6"),
        check("hidden/test_svm.py::test_best_svm_reaches_the_target_on_val", 3.0, 1.0, "error",
              "did not run: svm.ipynb stopped at cell 7"),
    ],
}

FAILED = dict(copy.deepcopy(GRADED), status="failed", error="the autograder could not finish: pytest crashed (exit 3)",
              score=0.0, timings={"unpack": 0.02})
for _test in FAILED["tests"]:
    _test.update(earned=0.0, status="error", message="did not run: the autograder could not finish")
for _notebook in FAILED["notebooks"].values():
    _notebook["score"] = 0.0


def by_name(document):
    return {t["name"]: t for t in document["tests"]}


def written(tmp_path, *results):
    """An output folder holding these results, as `gradekit grade` leaves it."""
    for result in results:
        report.write_result(str(tmp_path / result["student_id"]), result)
    return str(tmp_path)


@pytest.mark.parametrize("result", [GRADED, FAILED], ids=["graded", "failed"])
@pytest.mark.parametrize("visibility", gradescope.VISIBILITIES)
@pytest.mark.parametrize("mode", ["summary", "full", "none"])
def test_every_export_validates_against_gradescopes_schema(result, visibility, mode):
    assert schema_errors(gradescope.results(result, visibility, mode)) == []


@pytest.mark.parametrize("wrong, why", [
    (lambda d: d["tests"][0].update(visibility="students"), "not one of"),
    (lambda d: d.update(visibility="after_deadline"), "not one of"),
    (lambda d: d["tests"][0].update(status="error"), "not one of"),
    (lambda d: d.update(max_score=10), "Additional properties"),
    (lambda d: d["tests"][1].update(score="1.33"), "is not of type 'number'"),
    (lambda d: [d.pop("score"), d["tests"][0].pop("score")], "is not valid under any of the given schemas"),
    (lambda d: d["tests"][2].update(tags="knn"), "is not of type 'array'"),
], ids=["test visibility", "top visibility", "test status", "top max_score", "score as text", "no score", "tags"])
def test_the_schema_refuses_a_wrong_document(wrong, why):
    document = gradescope.results(GRADED)
    wrong(document)
    assert any(why in message for message in schema_errors(document))


def test_every_test_has_its_max_score():
    # Gradescope's spec makes a test's max_score optional (a missing one is valid there), so this
    # is gradekit's own promise: without it Gradescope cannot show "1.33 / 3.0" per check.
    document = gradescope.results(GRADED)
    assert [t["max_score"] for t in document["tests"]] == [t["points"] for t in GRADED["tests"]]


def test_scores_equal_the_results_rounded_to_two_decimals():
    document = gradescope.results(GRADED)
    assert document["score"] == 4.33
    assert [t["score"] for t in document["tests"]] == [2.0, 1.33, 0.0, 1.0]
    assert document["execution_time"] == 116  # 0.01 + 81.97 + 33.81 seconds


def test_tests_are_named_as_sentences_prefixed_by_their_notebook_and_tagged():
    document = gradescope.results(GRADED)
    assert [t["name"] for t in document["tests"]] == [
        "knn: No loop distances match expected", "knn: Predictions match the reference",
        "svm: Loss matches expected", "svm: Best svm reaches the target on val"]
    assert [t["tags"] for t in document["tests"]] == [["knn", "public"], ["knn", "hidden"],
                                                      ["svm", "public"], ["svm", "hidden"]]
    assert [t["status"] for t in document["tests"]] == ["passed", "failed", "failed", "failed"]


@pytest.mark.parametrize("visibility", gradescope.VISIBILITIES)
def test_public_checks_are_always_visible_and_hidden_ones_as_chosen(visibility):
    tests = gradescope.results(GRADED, visibility)["tests"]
    assert {(t["tags"][1], t["visibility"]) for t in tests} == {("public", "visible"), ("hidden", visibility)}


def test_hidden_checks_are_shown_after_publishing_by_default():
    tests = gradescope.results(GRADED)["tests"]
    assert [t["visibility"] for t in tests if "hidden" in t["tags"]] == ["after_published"] * 2


def test_the_summary_mode_hides_a_hidden_checks_message_but_not_a_public_one():
    document = gradescope.results(GRADED, hidden_feedback="summary")
    assert HIDDEN_SECRET not in json.dumps(document)
    tests = by_name(document)
    assert tests["knn: Predictions match the reference"]["output"]  # says it failed, without the values
    assert tests["svm: Loss matches expected"]["output"] == "loss 9.1 differs from expected 8.6"
    assert tests["svm: Best svm reaches the target on val"]["output"] == "did not run: svm.ipynb stopped at cell 7"


def test_the_full_mode_shows_a_hidden_checks_message():
    tests = by_name(gradescope.results(GRADED, hidden_feedback="full"))
    assert tests["knn: Predictions match the reference"]["output"] == HIDDEN_SECRET


def test_the_none_mode_never_shows_a_hidden_check_to_students_but_keeps_its_points():
    document = gradescope.results(GRADED, "visible", hidden_feedback="none")
    hidden = [t for t in document["tests"] if "hidden" in t["tags"]]
    assert [(t["visibility"], t["output"], t["score"]) for t in hidden] == [("hidden", "", 1.33), ("hidden", "", 1.0)]
    assert HIDDEN_SECRET not in json.dumps(document)


def test_the_summary_gives_the_total_each_notebook_and_execution_problems():
    output = gradescope.results(GRADED)["output"].splitlines()
    assert output[0] == "assignment1: 4.33/10 points"
    assert output[1] == "  knn: 3.33/5"
    assert output[2] == "  svm: 1/5 (notebook timeout: cell 7 (`time.sleep(3600)`) exceeded the 600 s time limit)"


def test_a_failed_grading_scores_zero_and_says_why():
    document = gradescope.results(FAILED)
    assert document["score"] == 0 and all(t["score"] == 0 and t["status"] == "failed" for t in document["tests"])
    assert "Grading failed: the autograder could not finish: pytest crashed (exit 3)" in document["output"]


def test_an_unsandboxed_grading_is_said_in_the_summary():
    assert "without a sandbox" in gradescope.results(dict(GRADED, sandbox=False))["output"]
    assert "without a sandbox" not in gradescope.results(GRADED)["output"]


def test_export_writes_each_students_results_json(tmp_path):
    out = written(tmp_path, GRADED, dict(FAILED, student_id="bob"))
    assert cli.main(["export", "gradescope", out]) == 0
    for result in (GRADED, dict(FAILED, student_id="bob")):
        with open(os.path.join(out, result["student_id"], "gradescope", "results.json")) as f:
            assert json.load(f) == gradescope.results(result)


def test_export_options_reach_the_document(tmp_path):
    out = written(tmp_path, GRADED)
    cli.main(["export", "gradescope", out, "--hidden-visibility", "after_due_date", "--feedback", "hidden=full"])
    with open(os.path.join(out, "alice", "gradescope", "results.json")) as f:
        assert json.load(f) == gradescope.results(GRADED, "after_due_date", "full")


def test_one_students_results_go_to_dest(tmp_path):
    out = written(tmp_path / "out", GRADED, dict(FAILED, student_id="bob"))
    dest = tmp_path / "results" / "results.json"
    assert cli.main(["export", "gradescope", out, "--student", "bob", "--dest", str(dest)]) == 0
    assert json.loads(dest.read_text()) == gradescope.results(dict(FAILED, student_id="bob"))
    assert not os.path.exists(os.path.join(out, "alice", "gradescope"))


@pytest.mark.parametrize("arguments, message", [
    (["missing"], "missing: no such folder"),
    (["empty"], "empty: no graded results"),
    (["out", "--student", "carol"], "no result for student 'carol'"),
    (["out", "--dest", "x.json"], "--dest x.json takes one result"),
    (["out", "--feedback", "hidden=everything"], "--feedback hidden=everything: write hidden=MODE"),
], ids=["missing folder", "no results", "unknown student", "dest with two", "bad feedback"])
def test_bad_input_exits_1_with_one_line(tmp_path, capsys, monkeypatch, arguments, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    written(tmp_path / "out", GRADED, dict(FAILED, student_id="bob"))
    assert cli.main(["export", "gradescope", *arguments]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not os.path.exists(tmp_path / "out" / "alice" / "gradescope")
