"""`gradekit class`: a deterministic class drawn from the reference, the release and the mutant
catalogue, with expected scores computed from the manifest; one real grading checks them."""
import json
import os
import subprocess
import sys

import nbformat
import pytest

from gradekit import course
from gradekit.authoring import class_generator, examples, reference
from gradekit.pipeline import check

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUGS = [m["name"] for m in examples.mutants(course.load("assignment1")).MUTANTS]


@pytest.fixture(scope="module")
def assignment():
    return course.load("assignment1")


@pytest.fixture(scope="module")
def manifest(assignment):
    return check.manifest(assignment)


@pytest.fixture(scope="module")
def catalogue(assignment):
    return examples.mutants(assignment).MUTANTS


def recipe(kind="bugs", bugs=(), missing=(), failing=()):
    return {"student_id": "s001", "kind": kind, "bugs": list(bugs), "missing": list(missing), "failing": list(failing)}


def gradekit(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "gradekit", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=900)


def files_of(folder):
    """{relative path: bytes} of every file under `folder`."""
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, folder)] = f.read()
    return found


@pytest.mark.unit
def test_the_same_size_and_seed_write_byte_identical_classes(assignment, manifest, tmp_path):
    class_generator.write(assignment, str(tmp_path / "a"), 8, 5, manifest)
    class_generator.write(assignment, str(tmp_path / "b"), 8, 5, manifest)
    first, second = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert len(first) > 8 * 10 and first == second


@pytest.mark.unit
def test_another_seed_draws_another_class(assignment):
    assert class_generator.recipes(assignment, 20, 1) != class_generator.recipes(assignment, 20, 2)


@pytest.mark.unit
def test_a_class_has_the_size_asked_for_numbered_from_s001(assignment, manifest, tmp_path):
    entries = class_generator.write(assignment, str(tmp_path), 7, 0, manifest)
    ids = [f"s{n:03d}" for n in range(1, 8)]
    assert [e["student_id"] for e in entries] == ids
    assert sorted(os.listdir(tmp_path)) == ["expected.json", *ids]
    with open(tmp_path / "expected.json") as f:
        assert [e["student_id"] for e in json.load(f)["submissions"]] == ids


@pytest.mark.unit
def test_recipes_draw_one_to_three_catalogue_bugs_in_different_files(assignment, catalogue):
    by_name = {m["name"]: m for m in catalogue}
    drawn = class_generator.recipes(assignment, 60, 3)
    with_bugs = [r for r in drawn if r["kind"] == "bugs"]
    assert with_bugs and all(1 <= len(r["bugs"]) <= 3 and set(r["bugs"]) <= set(by_name) for r in with_bugs)
    assert all(len({by_name[b]["file"] for b in r["bugs"]}) == len(r["bugs"]) for r in with_bugs)
    assert {len(r["bugs"]) for r in with_bugs} == {1, 2, 3}
    assert all(not r["bugs"] for r in drawn if r["kind"] != "bugs")


@pytest.mark.unit
def test_some_notebooks_are_missing_or_failing_but_never_in_the_release(assignment):
    drawn = class_generator.recipes(assignment, 60, 3)
    broken = [r for r in drawn if r["missing"] or r["failing"]]
    assert broken and all(r["kind"] != "untouched_release" for r in broken)
    assert all(set(r["missing"] + r["failing"]) <= set(assignment.notebooks) for r in broken)


@pytest.mark.unit
def test_most_of_a_class_is_near_full_marks_and_a_few_are_low(assignment, manifest, tmp_path):
    entries = class_generator.write(assignment, str(tmp_path), 40, 0, manifest)
    near_full = [e for e in entries if e["score"] >= 0.8 * e["max_score"]]
    low = [e for e in entries if e["score"] < 0.5 * e["max_score"]]
    assert len(near_full) > len(entries) / 2 and 0 < len(low) < len(entries) / 4


@pytest.mark.unit
def test_the_reference_is_expected_to_get_the_max_score(assignment, manifest, catalogue):
    score = class_generator.expected(recipe("reference"), manifest, catalogue, assignment.notebooks)
    assert score["score"] == score["max_score"] == assignment.max_score


@pytest.mark.unit
def test_the_untouched_release_is_expected_to_get_zero(assignment, manifest, catalogue):
    score = class_generator.expected(recipe("untouched_release"), manifest, catalogue, assignment.notebooks)
    assert score["score"] == 0 and score["max_score"] == assignment.max_score


@pytest.mark.unit
@pytest.mark.parametrize("name", BUGS)
def test_a_one_bug_submission_is_expected_to_lose_the_points_of_its_fails(assignment, manifest, catalogue, name):
    bug = next(m for m in catalogue if m["name"] == name)
    points = {t["id"]: t["points"] for t in manifest}
    assert set(bug["fails"]) <= set(points), "a `fails` id is not a test of the manifest"
    score = class_generator.expected(recipe(bugs=[bug["name"]]), manifest, catalogue, assignment.notebooks)
    assert score["score"] == assignment.max_score - sum(points[test] for test in bug["fails"])


@pytest.mark.unit
@pytest.mark.parametrize("how", ["missing", "failing"])
def test_a_broken_notebook_is_expected_to_lose_only_its_checks_reading_artefacts(assignment, manifest, catalogue, how):
    score = class_generator.expected(recipe(**{how: ["svm"]}), manifest, catalogue, assignment.notebooks)
    reading = sum(t["points"] for t in manifest if t["notebook"] == "svm" and t["reads_artifacts"])
    assert reading > 0 and score["notebooks"]["svm"]["score"] == assignment.points["svm"] - reading
    assert score["score"] == assignment.max_score - reading


@pytest.mark.unit
def test_the_expected_score_of_a_notebook_subset_counts_only_its_checks(assignment, manifest, catalogue):
    score = class_generator.expected(recipe("reference"), manifest, catalogue, ["knn", "svm"])
    assert list(score["notebooks"]) == ["knn", "svm"] and score["max_score"] == assignment.points["knn"] + assignment.points["svm"]


@pytest.mark.unit
def test_a_failing_notebook_raises_in_a_cell_right_before_it_saves_its_artefact(assignment, catalogue, tmp_path):
    solved = reference.write(assignment, str(tmp_path / "reference"))
    class_generator.build(assignment, recipe(failing=["knn"], missing=["svm"]), solved, catalogue, str(tmp_path / "s"))
    cells = nbformat.read(str(tmp_path / "s" / "knn.ipynb"), as_version=4).cells
    at = next(i for i, cell in enumerate(cells) if "save_artifact(" in cell.source)
    assert cells[at - 1].source == class_generator.FAILING_CELL and len(cells) == len(
        nbformat.read(os.path.join(solved, "knn.ipynb"), as_version=4).cells) + 1
    assert not (tmp_path / "s" / "svm.ipynb").exists() and (tmp_path / "s" / "softmax.ipynb").exists()


@pytest.mark.unit
def test_a_recipes_bugs_are_planted_in_its_submission(assignment, catalogue, tmp_path):
    solved = reference.write(assignment, str(tmp_path / "reference"))
    bugs = [m for m in catalogue if m["name"] in ("knn_ties_to_larger_label", "net_biases_regularized")]
    class_generator.build(assignment, recipe(bugs=[m["name"] for m in bugs]), solved, catalogue, str(tmp_path / "s"))
    for bug in bugs:
        text = (tmp_path / "s" / bug["file"]).read_text()
        assert bug["replace"] in text and bug["find"] not in text


@pytest.mark.unit
@pytest.mark.parametrize("args, message", [
    (["assignment1", "--size", "0"], "gradekit class: --size must be at least 1 (got 0)"),
    (["assignment9", "--size", "3"], "unknown assignment 'assignment9'"),
])
def test_a_bad_assignment_or_size_is_refused_in_one_line(tmp_path, args, message):
    done = gradekit("class", args[0], str(tmp_path / "class"), *args[1:])
    assert done.returncode != 0 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "class").exists()


@pytest.mark.e2e
def test_a_graded_class_gets_the_expected_knn_scores(assignment, manifest, catalogue, data_dir, tmp_path):
    """Three submissions breaking knn in each way (a bug, a failing notebook, a missing notebook
    with a bug elsewhere), graded on knn only (about two minutes)."""
    solved = reference.write(assignment, str(tmp_path / "reference"))
    knn_bug = next(m["name"] for m in catalogue if all("test_knn.py" in test for test in m["fails"]))
    recipes = [dict(recipe(bugs=[knn_bug]), student_id="s001"),
               dict(recipe(failing=["knn"]), student_id="s002"),
               dict(recipe(bugs=["net_biases_regularized"], missing=["knn"]), student_id="s003")]
    for one in recipes:
        class_generator.build(assignment, one, solved, catalogue, str(tmp_path / "class" / one["student_id"]))
    out = tmp_path / "out"
    done = gradekit("grade", "assignment1", *[str(tmp_path / "class" / r["student_id"]) for r in recipes],
                    "--out", str(out), "--notebooks", "knn", "--data-dir", data_dir, "--quiet")
    assert done.returncode == 0, done.stdout + done.stderr
    for one in recipes:
        with open(out / one["student_id"] / "result.json") as f:
            result = json.load(f)
        wanted = class_generator.expected(one, manifest, catalogue, ["knn"])
        assert (result["score"], result["max_score"]) == (wanted["score"], wanted["max_score"]), one
