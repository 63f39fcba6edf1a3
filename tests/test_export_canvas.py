"""`gradekit export canvas`: Canvas's gradebook import CSV, students named by the roster."""
import csv
import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradekit import cli
from gradekit.pipeline import report
from gradekit.pipeline.unpack import id_key

pytestmark = pytest.mark.unit

COLUMN = "Assignment 1 (12345)"
ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,Submission
"Smith, John",101,S-1,jsmith,CS231n-01,smith_john
"Doe, Jane",102,S-2,jdoe,CS231n-02,doe_jane
"Roe, Ann",103,S-3,aroe,CS231n-01,roe_ann
"""


def result(out, student, score, status="graded"):
    report.write_result(os.path.join(out, student), {
        "assignment": "assignment1", "student_id": student, "timestamp": "2026-01-02T03:04:05+00:00",
        "status": status, "error": None if status == "graded" else "the zip is corrupt", "score": score,
        "max_score": 100.0, "notebooks": {}, "tests": []})


def export(tmp_path, roster_text=ROSTER, column=COLUMN):
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text, encoding="utf-8")
    dest = tmp_path / "canvas.csv"
    status = cli.main(["export", "canvas", str(tmp_path / "out"), "--roster", str(roster), "--column", column,
                       "--dest", str(dest)])
    rows = list(csv.reader(dest.open(newline="", encoding="utf-8"))) if dest.exists() else None
    return status, rows


@pytest.fixture
def out(tmp_path):
    out = str(tmp_path / "out")
    result(out, "smith_john", 87.5)
    result(out, "doe_jane", 100.0)
    return out


def test_the_csv_has_canvas_columns_points_possible_and_a_row_per_graded_roster_student(tmp_path, out, capsys):
    status, rows = export(tmp_path)
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", COLUMN],
                    ["    Points Possible", "", "", "", "", "100"],
                    ["Smith, John", "101", "S-1", "jsmith", "CS231n-01", "87.5"],
                    ["Doe, Jane", "102", "S-2", "jdoe", "CS231n-02", "100"]]
    assert status == 0


def test_roster_students_without_a_result_are_listed_without_failing_the_export(tmp_path, out, capsys):
    status, _ = export(tmp_path)
    assert status == 0
    assert capsys.readouterr().err.splitlines() == [
        f"gradekit export canvas: aroe: in the roster, no graded result in {out}"]


def test_a_graded_submission_not_in_the_roster_is_listed_and_fails_the_export(tmp_path, out, capsys):
    result(out, "smith_jon", 50.0)
    status, rows = export(tmp_path)
    assert status == 1
    assert f"gradekit export canvas: smith_jon: graded but not in the roster {tmp_path / 'roster.csv'}: no row" \
        in capsys.readouterr().err.splitlines()
    assert [row[3] for row in rows[2:]] == ["jsmith", "jdoe"]


def test_a_failed_grading_gets_no_row_not_a_zero_and_is_listed(tmp_path, out, capsys):
    result(out, "roe_ann", 0.0, status="failed")
    status, rows = export(tmp_path)
    assert status == 1
    assert "aroe" not in [row[3] for row in rows]
    assert ("gradekit export canvas: roe_ann: grading failed (the zip is corrupt): no row (not a 0)"
            in capsys.readouterr().err.splitlines())


def test_a_column_not_named_as_canvas_names_it_is_refused(tmp_path, out, capsys):
    status, rows = export(tmp_path, column="Assignment 1")
    assert status == 1 and rows is None
    assert capsys.readouterr().err.startswith("gradekit export canvas: --column 'Assignment 1' is not")


def test_a_bad_roster_is_refused_in_one_line(tmp_path, out, capsys):
    status, rows = export(tmp_path, roster_text="Student,Submission\nx,smith_john\n")
    err = capsys.readouterr().err
    assert status == 1 and rows is None and len(err.splitlines()) == 1 and "no column 'SIS Login ID'" in err


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(',"\n=+-@'), max_size=15) \
    .map(str.strip).filter(bool)
FORMULA = ("=", "+", "-", "@", "\t", "\r")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(TEXT, TEXT, TEXT, TEXT, TEXT, st.integers(0, 200).map(lambda x: x / 2)),
                min_size=1, max_size=5, unique_by=lambda r: id_key(r[3])),
       st.sampled_from(["Assignment 1 (12345)", "=cmd|'/C calc'!A0 (1)", "Ünïcode, \"quoted\" (7)"]))
def test_any_roster_round_trips_through_the_csv_module_with_formulas_neutralised(students, column):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        lines = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Submission"]]
        for index, (name, canvas_id, sis_id, login, section, score) in enumerate(students):
            result(out, f"s{index}", score)
            lines.append([name, canvas_id, sis_id, login, section, f"s{index}"])
        with open(os.path.join(tmp, "roster.csv"), "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(lines)
        dest = os.path.join(tmp, "canvas.csv")
        assert cli.main(["export", "canvas", out, "--roster", os.path.join(tmp, "roster.csv"),
                         "--column", column, "--dest", dest]) == 0
        with open(dest, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    assert rows[0][-1] == report.spreadsheet_safe(column)
    for row, (name, canvas_id, sis_id, login, section, score) in zip(rows[2:], students, strict=True):
        assert row == [report.spreadsheet_safe(cell) for cell in (name, canvas_id, sis_id, login, section)] + \
            [report.fmt(score)]
    assert not any(cell.startswith(FORMULA) for row in rows for cell in row)
