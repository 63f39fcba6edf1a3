"""report.html for the instructor (gradekit.pipeline.class_report), built from result files the tests write."""
import re

import numpy as np
import pytest

from gradekit.pipeline import class_report, html
from synthetic_results import INJECTION, Page, check_entry, result, write_result

pytestmark = pytest.mark.unit

NOTEBOOKS = ("knn", "svm")
SECRET = "differs from the reference's value on the input drawn by the grader"


def class_of(tmp_path, results):
    """Write the results and the report; the report's HTML."""
    for r in results:
        write_result(str(tmp_path), r)
    with open(class_report.write_report(str(tmp_path), NOTEBOOKS), encoding="utf-8") as f:
        return f.read()


def student(name, passes, message="dW differs by 0.5 at row 3", **more):
    """A result with one check per entry of `passes` (check i in knn worth i + 1 points)."""
    tests = [check_entry(f"public/test_knn.py::test_{i}", "knn", i + 1, "passed" if ok else "failed",
                         "" if ok else message) for i, ok in enumerate(passes)]
    return result(name, tests, **more)


def row_of(page, test_id):
    """The cells of the check table's row for `test_id`, as text: notebook, check, points, pass
    rate, mean points, discrimination, most common failures."""
    row = re.search(rf'<tr class="check" data-id="{re.escape(test_id)}">(.*?)</tr>', page, re.S).group(1)
    return [Page(cell).words().strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_pass_rate_and_mean_points_are_per_check(tmp_path):
    page = class_of(tmp_path, [student("a", [True, True]), student("b", [True, False]),
                               student("c", [False, False]), student("d", [True, False])])
    assert row_of(page, "public/test_knn.py::test_0")[2:5] == ["1", "75%", "0.75"]
    assert row_of(page, "public/test_knn.py::test_1")[2:5] == ["2", "25%", "0.5"]


def test_discrimination_is_the_correlation_of_a_check_with_the_rest_of_the_score():
    earned, rest = [0, 1, 1, 0, 1], [3, 10, 7, 2, 4]
    assert class_report.discrimination(earned, rest) == pytest.approx(np.corrcoef(earned, rest)[0, 1])


def test_discrimination_uses_the_rest_of_the_score_not_the_total(tmp_path):
    page = class_of(tmp_path, [student("a", [True, False, False]), student("b", [False, True, True]),
                               student("c", [True, False, True])])
    earned, rest = [1, 0, 1], [0, 5, 3]  # check 0 (1 point) against checks 1 (2) and 2 (3)
    expected = np.corrcoef(earned, rest)[0, 1]
    assert row_of(page, "public/test_knn.py::test_0")[5] == f"{expected:.2f}"


def test_discrimination_is_not_available_when_every_submission_scores_the_same_on_a_check(tmp_path):
    page = class_of(tmp_path, [student("a", [True, True]), student("b", [True, False])])
    assert row_of(page, "public/test_knn.py::test_0")[5] == "n/a"


def test_failure_messages_are_grouped_with_numbers_replaced_and_counted(tmp_path):
    page = class_of(tmp_path, [student("a", [False], message="dW differs by 0.5 at row 3 of W1"),
                               student("b", [False], message="dW differs by 1e-3 at row 12 of W1"),
                               student("c", [False], message="returned None")])
    words = row_of(page, "public/test_knn.py::test_0")[6]
    assert "2× dW differs by # at row # of W1" in words and "1× returned None" in words


def test_hidden_checks_are_shown_in_full(tmp_path):
    tests = [check_entry("hidden/test_knn.py::test_secret", "knn", 2, "failed", SECRET)]
    page = class_of(tmp_path, [result("a", tests)])
    assert SECRET in Page(page).words()


def test_a_message_cannot_inject_markup(tmp_path):
    page = Page(class_of(tmp_path, [student("a", [False], message=INJECTION)]))
    assert ("script", {}) not in page.tags and not page.attributes("img", "onerror")
    assert INJECTION in page.words()


def test_execution_problems_are_counted_per_notebook_and_kind(tmp_path):
    stopped = {"knn": {"status": "timeout", "message": "knn.ipynb cell 4 (`x`) exceeded the 600 s time limit"},
               "svm": {"status": "crashed", "message": "svm.ipynb cell 2 (`y`) killed the kernel"}}
    page = class_of(tmp_path, [student("a", [True], executions=stopped),
                               student("b", [True], executions={"knn": {"status": "timeout", "message": "t"}}),
                               student("c", [True], executions={"svm": {"status": "missing", "message": "m"}})])
    table = re.search(r'<table id="execution-problems">(.*?)</table>', page, re.S).group(1)
    # columns: timeout, crashed, stopped, missing, corrupt, error
    assert "knn.ipynb 2 0 0 0 0 0" in Page(table).words()
    assert "svm.ipynb 0 1 0 1 0 0" in Page(table).words()
    assert "all 2 1 0 1 0 0" in Page(table).words()


def test_failed_gradings_are_counted_and_left_out_of_the_statistics(tmp_path):
    page = class_of(tmp_path, [student("a", [True]), student("b", [True]),
                               student("c", [False], status="failed", error="c.zip: not a zip file")])
    assert "1 failed gradings" in Page(page).words() and "c.zip: not a zip file" in Page(page).words()
    assert row_of(page, "public/test_knn.py::test_0")[2:5] == ["1", "100%", "1"]


def test_grading_times_are_listed_slowest_first(tmp_path):
    page = class_of(tmp_path, [student("fast", [True], timings={"unpack": 0.1, "execute": 1, "check": 1}),
                               student("slow", [True], timings={"unpack": 0.1, "execute": 90, "check": 9.9})])
    table = Page(re.search(r'<table id="timing-table">(.*?)</table>', page, re.S).group(1)).words()
    assert table.index("slow 0.1 90 9.9 100") < table.index("fast 0.1 1 1 2.1")


def test_the_report_counts_every_result_on_disk_each_time_it_is_rebuilt(tmp_path):
    class_of(tmp_path, [student("a", [True])])
    page = class_of(tmp_path, [student("b", [False])])
    assert "2 submissions: 2 graded" in Page(page).words()


def test_a_histogram_counts_each_value_once_and_the_top_score_in_the_last_bin():
    svg = html.histogram([0, 9.99, 10, 10, 5], high=10, bins=10)
    counts = [int(n) for n in re.findall(r"<title>[^<]*: (\d+)</title>", svg)]
    assert sum(counts) == 5 and counts[0] == 1 and counts[5] == 1 and counts[-1] == 3


def test_the_report_command_rebuilds_the_report_and_every_feedback_page(tmp_path, capsys):
    from gradekit import cli

    for name in ("a", "b"):
        write_result(str(tmp_path), student(name, [True]))
    assert cli.main(["report", "assignment1", str(tmp_path), "--feedback", "hidden=none"]) == 0
    assert sorted(p.parent.name for p in tmp_path.glob("*/feedback.html")) == ["a", "b"]
    assert (tmp_path / "report.html").exists() and "2 feedback pages rebuilt (hidden=none)" in capsys.readouterr().out


def test_the_report_command_refuses_a_folder_without_results_in_one_line(tmp_path, capsys):
    from gradekit import cli

    assert cli.main(["report", "assignment1", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"gradekit report: {tmp_path} holds no results (no {tmp_path}/*/result.json)\n"


def test_a_bad_feedback_mode_is_an_argparse_error(tmp_path, capsys):
    from gradekit import cli

    with pytest.raises(SystemExit) as exit_:
        cli.main(["report", "assignment1", str(tmp_path), "--feedback", "hidden=all"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == ("gradekit report: error: argument --feedback: "
                                                       "--feedback hidden=all: write hidden=MODE, MODE one of "
                                                       "summary, full, none")
