"""feedback.html and report.html as a browser shows them: real headless Chromium (Debian package
`chromium`, installed by scripts/setup.sh) loads each page from disk, its DOM is checked and its
screenshot must not be blank."""
import json
import os
import re
import shutil
import subprocess

import nbformat
import pytest

from gradekit.pipeline import class_report, feedback
from synthetic_results import (Page, check_entry, error_output, png_bytes, png_output, result, write_executed_notebook,
                               write_result)

pytestmark = pytest.mark.integration

SECRET = "reference value 0.8675309 on input seed 4242"
INJECTION = ('<script>document.title="pwned"</script>'
             '<img src=x onerror="document.body.setAttribute(\'data-pwned\', \'yes\')">')
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium(profile, *arguments):
    """Run headless Chromium with a profile folder of its own; its stdout."""
    program = shutil.which("chromium")
    if program is None:
        pytest.fail("chromium is missing: run scripts/setup.sh as root (apt-get install chromium)")
    completed = subprocess.run([program, *FLAGS, f"--user-data-dir={profile}", *arguments],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def dom(path, profile):
    """The page's DOM after the browser loaded it (scripts, had any run, included)."""
    return chromium(profile, "--dump-dom", f"file://{path}")


def screenshot(path, png, profile):
    """A 1200x1600 screenshot of the page, saved as `png`."""
    chromium(profile, f"--screenshot={png}", "--window-size=1200,1600", f"file://{path}")
    return png


def class_results():
    """Three submissions: one with every kind of check and a stopped notebook, one full marks, one
    whose grading failed."""
    alice = result("alice", [
        check_entry("public/test_knn.py::test_two_loop_distances_match_expected", "knn", 3),
        check_entry("public/test_knn.py::test_predict_labels_breaks_ties", "knn", 2, "failed", INJECTION),
        check_entry("hidden/test_knn.py::test_distances_match_the_reference_on_new_inputs", "knn", 2, "failed",
                    SECRET),
        check_entry("hidden/test_knn.py::test_best_k_reaches_the_target_on_test", "knn", 4, "failed",
                    "best_k = 3 gives test accuracy 0.212 < 0.25",
                    measured=[{"what": "kNN with best_k = 3: test accuracy", "value": 0.212, "target": 0.25}]),
        check_entry("public/test_svm.py::test_loss_matches_expected", "svm", 5, "error",
                    "did not run: svm.ipynb cell 2 (`loss = svm_loss_naive(W, X, y, 0.1)`) raised NameError: "
                    "name 'W' is not defined"),
    ], executions={"svm": {"status": "error", "seconds": 1.2, "message": "svm.ipynb cell 2 (`loss = "
                           "svm_loss_naive(W, X, y, 0.1)`) raised NameError: name 'W' is not defined"}})
    bob = result("bob", [check_entry(t["id"], t["notebook"], t["points"]) for t in alice["tests"]])
    carol = result("carol", [], status="failed", error="carol.zip: not a zip file")
    return alice, bob, carol


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The out folder of `class_results`, with alice's executed notebooks, its feedback pages (the
    default hidden mode) and its report."""
    out = str(tmp_path_factory.mktemp("out"))
    results = class_results()
    for r in results:
        write_result(out, r)
    figure = nbformat.v4.new_code_cell("plt.plot(loss_history)")
    figure.outputs = [png_output(png_bytes(colour=(30, 90, 200), size=(320, 200)))]
    write_executed_notebook(os.path.join(out, "alice"), "knn", [nbformat.v4.new_markdown_cell("# kNN"), figure])
    failing = nbformat.v4.new_code_cell("loss = svm_loss_naive(W, X, y, 0.1)\nprint(loss)")
    failing.outputs = [error_output("NameError", "name 'W' is not defined",
                                    ["\x1b[0;31mNameError\x1b[0m: name 'W' is not defined"])]
    write_executed_notebook(os.path.join(out, "alice"), "svm", [nbformat.v4.new_markdown_cell("# SVM"), failing])
    for r in results:
        feedback.write_feedback(out, r)
    class_report.write_report(out, ("knn", "svm"))
    return out


def loaded(out, name, tmp_path):
    with open(os.path.join(out, name, "result.json")) as f:
        return json.load(f), Page(dom(os.path.join(out, name, "feedback.html"), tmp_path / "profile"))


def test_every_check_of_the_result_is_in_the_feedback_page(pages, tmp_path):
    result_, page = loaded(pages, "alice", tmp_path)
    rows = [attrs["data-id"] for tag, attrs in page.tags if tag == "tr" and "data-id" in attrs]
    assert rows == [t["id"] for t in result_["tests"]]


def test_the_feedback_pages_scores_are_those_of_result_json(pages, tmp_path):
    result_, page = loaded(pages, "alice", tmp_path)
    words = page.words()
    assert f"{result_['score']:g} / {result_['max_score']:g} points" in words
    for name, notebook in result_["notebooks"].items():
        assert f"{name}.ipynb: {notebook['score']:g} / {notebook['max_score']:g} points" in words


def test_a_hidden_checks_message_is_absent_from_the_feedback_page_by_default(pages, tmp_path):
    _, page = loaded(pages, "alice", tmp_path)
    assert "Distances match the reference on new inputs" in page.words() and SECRET not in page.words()


def test_markup_in_a_message_stays_inert_text_in_the_browser(pages, tmp_path):
    shown = dom(os.path.join(pages, "alice", "feedback.html"), tmp_path / "profile")
    page = Page(shown)
    assert INJECTION in page.words()
    assert not [t for t, _ in page.tags if t == "script"] and not page.attributes("img", "onerror")
    assert not page.attributes("body", "data-pwned")  # what the onerror handler would have set
    assert re.search(r"<title>(.*?)</title>", shown).group(1) == "assignment1 feedback: alice"


def test_every_check_and_the_failed_grading_are_in_the_report(pages, tmp_path):
    page = Page(dom(os.path.join(pages, "report.html"), tmp_path / "profile"))
    alice, _, _ = class_results()
    rows = [attrs["data-id"] for tag, attrs in page.tags if tag == "tr" and "data-id" in attrs]
    assert rows == [t["id"] for t in alice["tests"]]
    assert "carol.zip: not a zip file" in page.words() and "3 submissions: 2 graded, 1 failed" in page.words()


@pytest.mark.parametrize("page", ["alice/feedback.html", "report.html"])
def test_a_screenshot_of_the_page_is_not_blank(pages, tmp_path, page):
    from PIL import Image

    with Image.open(screenshot(os.path.join(pages, page), str(tmp_path / "shot.png"), tmp_path / "profile")) as image:
        pixels = image.convert("RGB")
        assert pixels.size == (1200, 1600)
        colours = pixels.getcolors(maxcolors=1 << 20)
        not_white = sum(n for n, colour in colours if colour != (255, 255, 255))
    assert len(colours) > 50 and not_white > 0.02 * 1200 * 1600
