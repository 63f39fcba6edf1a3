"""feedback.html of one submission (gradekit.pipeline.feedback), built from result files the tests write."""
import base64
import os

import nbformat
import pytest

from gradekit.pipeline import feedback
from synthetic_results import (INJECTION, Page, check_entry, error_output, png_bytes, png_output, result,
                               write_executed_notebook, write_result)

pytestmark = pytest.mark.unit

SECRET = "reference value 0.8675309 on input seed 4242"


def checks_of_alice():
    return [check_entry("public/test_knn.py::test_two_loop_distances_match_expected", "knn", 3),
            check_entry("public/test_knn.py::test_predict_labels_breaks_ties", "knn", 2, "failed",
                        "predict_labels gave label 3 for 2 of 10 ties, expected the smaller label"),
            check_entry("hidden/test_knn.py::test_distances_match_the_reference_on_new_inputs", "knn", 2, "failed",
                        SECRET),
            check_entry("hidden/test_knn.py::test_best_k_reaches_the_target_on_test", "knn", 4, "failed",
                        "best_k = 3 gives test accuracy 0.212 < 0.25",
                        measured=[{"what": "kNN with best_k = 3: test accuracy", "value": 0.212, "target": 0.25}]),
            check_entry("public/test_svm.py::test_loss_matches_expected", "svm", 5)]


def build(tmp_path, result_=None, hidden="summary"):
    """Write the result and its feedback page; the page's HTML."""
    result_ = result_ or result("alice", checks_of_alice())
    write_result(str(tmp_path), result_)
    path = feedback.write_feedback(str(tmp_path), result_, hidden)
    assert path == os.path.join(str(tmp_path), result_["student_id"], "feedback.html")
    with open(path, encoding="utf-8") as f:
        return f.read()


def test_the_page_shows_the_total_and_each_notebooks_score(tmp_path):
    words = Page(build(tmp_path)).words()
    assert "8 / 16 points" in words
    assert "knn.ipynb: 3 / 11 points" in words and "svm.ipynb: 5 / 5 points" in words


def test_every_shown_check_is_a_sentence_with_its_points_and_message(tmp_path):
    words = Page(build(tmp_path)).words()
    assert "Predict labels breaks ties 0 / 2 predict_labels gave label 3 for 2 of 10 ties" in words
    assert "Two loop distances match expected 3 / 3" in words


def test_a_hidden_checks_message_is_summarised_by_default(tmp_path):
    page = build(tmp_path)
    assert SECRET not in page and "0.8675309" not in page
    assert "Distances match the reference on new inputs" in Page(page).words()


def test_hidden_full_shows_a_hidden_checks_own_message(tmp_path):
    assert SECRET in Page(build(tmp_path, hidden="full")).words()


def test_hidden_none_lists_no_hidden_check_but_counts_its_points(tmp_path):
    page = Page(build(tmp_path, hidden="none"))
    assert "Distances match the reference" not in page.words() and "Best k reaches" not in page.words()
    assert "2 hidden checks, not listed: 0 / 6 points" in page.words()
    assert "8 / 16 points" in page.words()


def test_a_message_cannot_inject_markup(tmp_path):
    tests = [check_entry("public/test_knn.py::test_x", "knn", 1, "failed", INJECTION)]
    page = Page(build(tmp_path, result("alice", tests)))
    assert INJECTION in page.words()  # shown as text
    assert ("script", {}) not in page.tags and not page.attributes("img", "onerror")


def test_the_page_has_no_script_and_loads_nothing_remote(tmp_path):
    page = build(tmp_path)
    parsed = Page(page)
    assert not [t for t, _ in parsed.tags if t in ("script", "link", "iframe", "object", "embed")]
    assert all(src.startswith("data:image/png;base64,") for src in parsed.attributes("img", "src"))
    csp = [a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp == ["default-src 'none'; img-src data:; style-src 'unsafe-inline'"]


def test_an_execution_error_shows_the_cell_its_first_lines_and_its_error(tmp_path):
    message = "knn.ipynb cell 3 (`dists = classifier.compute_distances_two_loops(X_test)`) raised ValueError: bad"
    stopped = result("alice", checks_of_alice(), executions={"knn": {"status": "error", "message": message}})
    failing = nbformat.v4.new_code_cell("dists = classifier.compute_distances_two_loops(X_test)\nprint(dists.shape)")
    failing.outputs = [error_output("ValueError", "bad", ["\x1b[0;31mValueError\x1b[0m: bad shape (5, 3)"])]
    write_executed_notebook(os.path.join(str(tmp_path), "alice"), "knn", [
        nbformat.v4.new_markdown_cell("# kNN"), nbformat.v4.new_code_cell("import numpy as np"), failing])
    words = Page(build(tmp_path, stopped)).words()
    assert "Cell 3, first lines dists = classifier.compute_distances_two_loops(X_test) print(dists.shape)" in words
    assert "Its error ValueError: bad shape (5, 3)" in words  # without the terminal's colour codes


def test_png_outputs_are_embedded_as_data_uris_with_their_cell(tmp_path):
    folder = write_result(str(tmp_path), result("alice", checks_of_alice()))
    png = png_bytes()
    cell = nbformat.v4.new_code_cell("plt.plot(loss_history)")
    cell.outputs = [png_output(png)]
    write_executed_notebook(folder, "svm", [nbformat.v4.new_markdown_cell("# SVM"), cell])
    page = Page(build(tmp_path))
    assert page.attributes("img", "src") == ["data:image/png;base64," + base64.b64encode(png).decode()]
    assert "cell 2" in page.words()


def test_outputs_that_are_not_png_images_are_never_embedded(tmp_path):
    folder = write_result(str(tmp_path), result("alice", checks_of_alice()))
    cell = nbformat.v4.new_code_cell("display(x)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<b id=planted>html</b>"}),
                    nbformat.v4.new_output("display_data", data={"image/svg+xml": "<svg id=planted2></svg>"}),
                    nbformat.v4.new_output("display_data", data={
                        "image/png": base64.b64encode(b"<html>not a png</html>").decode()})]
    write_executed_notebook(folder, "svm", [cell])
    page = build(tmp_path)
    assert "planted" not in page and "not a png" not in page and "Figures your notebook drew" not in page


def test_figures_beyond_the_cap_are_left_out_and_counted(tmp_path):
    folder = write_result(str(tmp_path), result("alice", checks_of_alice()))
    cells = []
    for i in range(feedback.MAX_FIGURES + 3):
        cell = nbformat.v4.new_code_cell(f"plot({i})")
        cell.outputs = [png_output(png_bytes(colour=(i, 0, 0)))]
        cells.append(cell)
    write_executed_notebook(folder, "svm", cells)
    page = Page(build(tmp_path))
    assert len(page.attributes("img", "src")) == feedback.MAX_FIGURES
    assert "3 more figures left out" in page.words()


def test_the_grader_measured_value_is_drawn_against_its_target(tmp_path):
    page = Page(build(tmp_path))
    assert "kNN with best_k = 3: test accuracy" in page.attributes("svg", "aria-label")
    assert "0.212" in page.words() and "target 0.25" in page.words()


def test_a_failed_grading_shows_its_error_first(tmp_path):
    failed = result("alice", [], status="failed", error="alice.zip: not a zip file")
    page = build(tmp_path, failed)
    assert 'id="grading-error"' in page and "Grading failed: alice.zip: not a zip file" in Page(page).words()


def test_the_page_says_how_to_run_each_notebooks_public_checks_locally(tmp_path):
    words = Page(build(tmp_path)).words()
    assert "pytest autograder/public/test_knn.py # the public checks of knn.ipynb" in words
    assert "pytest autograder/public/test_svm.py" in words and "pytest autograder/ # every public check" in words
    assert "hidden/test_knn.py" not in words


def test_an_unknown_hidden_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="choose one of summary, full, none"):
        build(tmp_path, hidden="everything")
