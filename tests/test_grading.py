"""Grading end to end: unpack -> execute -> check -> score -> report, on real submissions.

One batch grades the reference solution (zipped, as students upload), the untouched release and
a submission broken in every way a notebook can break; they run through Dask two at a time.
"""
import csv
import json
import os
import re
import shutil
import zipfile

import nbformat
import pytest

from gradekit.authoring import reference
from gradekit.pipeline import grade

pytestmark = pytest.mark.e2e

CELL_TIMEOUT = 200
CALL_TIMEOUT = 10


def zip_folder(folder, path):
    with zipfile.ZipFile(path, "w") as archive:
        for d, _, files in os.walk(folder):
            for name in files:
                full = os.path.join(d, name)
                archive.write(full, os.path.join("assignment1", os.path.relpath(full, folder)))
    return path


def add_cell(path, source, before_text):
    """Insert a code cell before the first cell containing `before_text`."""
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if before_text in c.source)
    nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)


def make_broken(solved, dest):
    """The reference, with each notebook broken differently (features left intact); the hanging
    and crashing cells come before the notebooks load the data, so nothing is trained in vain."""
    shutil.copytree(solved, dest)
    with open(os.path.join(dest, "knn.ipynb"), "r+") as f:
        text = f.read()
        f.seek(0)
        f.write(text[: len(text) // 2])
        f.truncate()
    os.remove(os.path.join(dest, "softmax.ipynb"))
    add_cell(os.path.join(dest, "svm.ipynb"), "import time; time.sleep(3600)", "Load the raw CIFAR-10 data")
    add_cell(os.path.join(dest, "two_layer_net.ipynb"), "import os; os._exit(1)", "Create a small net")
    knn = os.path.join(dest, "cs231n", "classifiers", "k_nearest_neighbor.py")
    with open(knn) as f:
        text = f.read()
    with open(knn, "w") as f:
        f.write(text.replace("y_pred = np.zeros(num_test", "while True:\n            pass\n        y_pred = np.zeros(num_test", 1))
    return dest


@pytest.fixture(scope="session")
def batch(assignment1, data_dir, tmp_path_factory, execution_store):
    work = tmp_path_factory.mktemp("submissions")
    solved = reference.write(assignment1, str(work / "solved"))
    # The broken submission first: it takes longest (a hanging cell, a hanging function), and the
    # other two share the second worker meanwhile.
    submissions = [make_broken(solved, str(work / "broken")), zip_folder(solved, str(work / "reference.zip")),
                   assignment1.release]
    options = grade.Options(assignment1, str(work / "out"), data_dir, CELL_TIMEOUT, CALL_TIMEOUT,
                            grading_seed=12345, reuse_dir=execution_store)
    results = grade.grade_all(submissions, options, jobs=2, progress=False)
    return {r["student_id"]: r for r in results}, str(work / "out")


def failed(result):
    return {t["id"]: t["message"] for t in result["tests"] if t["status"] != "passed"}


def test_reference_solution_scores_full_marks(batch, assignment1):
    result = batch[0]["reference"]
    assert failed(result) == {}
    assert result["score"] == result["max_score"] == assignment1.max_score == 100


def test_reference_notebooks_all_execute(batch, assignment1):
    execution = {n: v["execution"]["status"] for n, v in batch[0]["reference"]["notebooks"].items()}
    assert execution == {n: "ok" for n in assignment1.notebooks}


def test_untouched_release_scores_zero_with_a_message_for_every_test(batch):
    result = batch[0]["assignment1"]
    assert result["score"] == 0 and result["max_score"] == 100
    assert all(t["status"] in ("failed", "error") and t["message"] for t in result["tests"])
    assert any("NotImplementedError" in t["message"] for t in result["tests"])


def test_corrupt_notebook_is_named_and_costs_only_its_artifact_checks(batch):
    result = batch[0]["broken"]
    knn = result["notebooks"]["knn"]
    assert knn["execution"]["status"] == "corrupt" and "knn.ipynb is not a valid notebook" in knn["execution"]["message"]
    assert "knn.ipynb is not a valid notebook" in failed(result)["hidden/test_knn.py::test_best_k_reaches_the_target_on_test"]
    assert "public/test_knn.py::test_no_loop_distances_match_expected" not in failed(result)


def test_missing_notebook_is_named(batch):
    messages = failed(batch[0]["broken"])
    assert "softmax.ipynb is missing" in messages["hidden/test_softmax.py::test_best_softmax_reaches_the_target_on_held_out_test_images"]
    assert not [t for t in messages if "softmax" in t and "best_softmax" not in t]


def test_hanging_cell_is_stopped_and_named(batch):
    svm = batch[0]["broken"]["notebooks"]["svm"]["execution"]
    assert svm["status"] == "timeout"
    assert "time.sleep(3600)" in svm["message"] and f"{CELL_TIMEOUT} s time limit" in svm["message"]
    assert svm["seconds"] < CELL_TIMEOUT + 60


def test_kernel_crash_is_reported_with_its_cell(batch):
    net = batch[0]["broken"]["notebooks"]["two_layer_net"]["execution"]
    assert net["status"] == "crashed" and "os._exit(1)" in net["message"]


def test_hanging_student_function_is_stopped_at_the_call_limit(batch):
    messages = failed(batch[0]["broken"])
    tie_test = "public/test_knn.py::test_predict_labels_breaks_ties_towards_the_smaller_label"
    assert f"did not return within {CALL_TIMEOUT} s" in messages[tie_test]


def test_intact_notebook_of_a_broken_submission_keeps_its_points(batch):
    features = batch[0]["broken"]["notebooks"]["features"]
    assert features["score"] == features["max_score"] == 10


def test_function_checks_survive_broken_notebooks(batch):
    messages = failed(batch[0]["broken"])
    for test in ("public/test_svm.py::test_vectorized_gradient_matches_expected",
                 "public/test_two_layer_net.py::test_gradients_match_numeric_gradients",
                 "public/test_softmax.py::test_naive_gradient_matches_numeric_gradient"):
        assert test not in messages


def test_gradebook_has_one_row_per_submission_with_nbgrader_columns(batch, assignment1):
    with open(os.path.join(batch[1], "gradebook.csv")) as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"reference", "assignment1", "broken"}
    assert float(rows["reference"]["score"]) == 100 and float(rows["assignment1"]["score"]) == 0
    for column in ("score", "max_score", *assignment1.notebooks):
        assert column in rows["broken"]


def test_results_and_executed_notebooks_are_kept(batch, assignment1):
    folder = os.path.join(batch[1], "reference")
    with open(os.path.join(folder, "result.json")) as f:
        result = json.load(f)
    assert result["student_id"] == "reference" and len(result["tests"]) > 30
    for notebook in assignment1.notebooks:
        nb = nbformat.read(os.path.join(folder, "notebooks", f"{notebook}.ipynb"), as_version=4)
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_every_test_result_carries_the_fields_a_gradebook_needs(batch):
    for test in batch[0]["broken"]["tests"]:
        assert {"id", "notebook", "points", "earned", "status", "message"} <= set(test)
        assert test["earned"] in (0, test["points"])


def lie_about_softmax(path):
    """The softmax notebook with its data loading, checks and training replaced by one cell that
    prints a great validation accuracy for an untrained model, followed by the save cell."""
    nb = nbformat.read(path, as_version=4)
    data = next(i for i, c in enumerate(nb.cells) if "def get_CIFAR10_data" in c.source)
    save = next(i for i, c in enumerate(nb.cells) if "save_artifact(" in c.source)
    lie = nbformat.v4.new_code_cell("from cs231n.classifiers import Softmax\nbest_softmax = Softmax()\n"
                                    "best_softmax.W = np.zeros((3073, 10))\nprint('validation accuracy: 0.99')")
    nb.cells = [*nb.cells[:data], lie, nb.cells[save]]
    nbformat.write(nb, path)


def test_printed_accuracy_is_not_trusted(assignment1, data_dir, tmp_path):
    """A notebook that prints a great accuracy but saves a bad model gets no accuracy points."""
    solved = reference.write(assignment1, str(tmp_path / "liar"))
    lie_about_softmax(os.path.join(solved, "softmax.ipynb"))
    for other in set(assignment1.notebooks) - {"softmax"}:
        os.remove(os.path.join(solved, f"{other}.ipynb"))
    options = grade.Options(assignment1, str(tmp_path / "out"), data_dir, CELL_TIMEOUT, CALL_TIMEOUT)
    result = grade.grade_all([solved], options, progress=False)[0]
    message = failed(result)["hidden/test_softmax.py::test_best_softmax_reaches_the_target_on_held_out_test_images"]
    assert re.fullmatch(r"best_softmax accuracy 0\.[01]\d\d < 0\.35 on 5000 held-out test images", message), message
