"""`gradekit export nbgrader` and `gradekit grade --nbgrader-db/--roster`, read back through nbgrader's
own API on a real sqlite gradebook."""
import csv
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from gradekit import cli, course
from gradekit.pipeline import report
from gradekit.export import nbgrader as export_nbgrader

pytestmark = pytest.mark.integration

ROSTER = """Student,SIS Login ID,Submission
"Smith, John",jsmith,smith_john
"Doe, Jane",jdoe,doe_jane
"""


def result(out, student, scores, assignment, status="graded"):
    """A result.json of `assignment1` with these points per notebook (the others absent)."""
    report.write_result(os.path.join(out, student), {
        "assignment": "assignment1", "student_id": student, "timestamp": "2026-01-02T03:04:05+00:00",
        "status": status, "error": None if status == "graded" else "boom", "score": sum(scores.values()),
        "max_score": assignment.max_score, "tests": [],
        "notebooks": {name: {"score": points, "max_score": assignment.points[name]} for name, points in scores.items()}})


@pytest.fixture(scope="session")
def empty_gradebook(tmp_path_factory):
    """An empty nbgrader sqlite gradebook, made once: nbgrader takes seconds to stamp a new one."""
    path = tmp_path_factory.mktemp("nbgrader") / "empty.db"
    with export_nbgrader.opened(f"sqlite:///{path}"):
        pass
    return path


def copy_of(empty_gradebook, tmp_path):
    """The URL of a fresh copy of the empty gradebook in tmp_path."""
    shutil.copyfile(empty_gradebook, tmp_path / "gradebook.db")
    return f"sqlite:///{tmp_path / 'gradebook.db'}"


@pytest.fixture
def graded(tmp_path, assignment1, empty_gradebook):
    """An output folder with two results, the URL of an empty sqlite gradebook and a roster."""
    out = str(tmp_path / "out")
    result(out, "smith_john", {name: points / 2 for name, points in assignment1.points.items()}, assignment1)
    result(out, "doe_jane", dict(assignment1.points), assignment1)
    (tmp_path / "roster.csv").write_text(ROSTER)
    return out, copy_of(empty_gradebook, tmp_path), str(tmp_path / "roster.csv")


def export(out, db, *more):
    return cli.main(["export", "nbgrader", out, "--db", db, *more])


def test_the_export_reads_back_through_nbgraders_api_with_the_same_scores(graded, assignment1):
    from nbgrader.api import Gradebook

    out, db, roster = graded
    assert export(out, db, "--roster", roster) == 0
    with Gradebook(db) as gradebook:
        for student, share in (("jsmith", 0.5), ("jdoe", 1.0)):
            for name, points in assignment1.points.items():
                grade = gradebook.find_grade(export_nbgrader.AUTOGRADED_CELL, name, "assignment1", student)
                assert grade.auto_score == points * share and grade.max_score == points
            assert gradebook.find_submission("assignment1", student).score == assignment1.max_score * share
        assert gradebook.find_student("jsmith").last_name == "Smith"


def test_the_inline_questions_are_manually_graded_answer_cells_waiting_for_formgrader(graded, assignment1):
    from nbgrader.api import Gradebook

    out, db, roster = graded
    export(out, db, "--roster", roster)
    inline = {name: [c.metadata.nbgrader.grade_id for c in nbformat.read(
                  os.path.join(assignment1.source, f"{name}.ipynb"), as_version=4).cells
              if c.metadata.get("nbgrader", {}).get("grade") and c.metadata.nbgrader.get("solution")]
              for name in assignment1.notebooks}
    assert sum(map(len, inline.values())) >= 5
    with Gradebook(db) as gradebook:
        for name, cells in inline.items():
            notebook = gradebook.find_notebook(name, "assignment1")
            assert {c.name for c in notebook.solution_cells} >= set(cells)
            for cell in cells:
                grade = gradebook.find_grade(cell, name, "assignment1", "jdoe")
                assert grade.needs_manual_grade and grade.manual_score is None and grade.cell.cell_type == "markdown"
        assert gradebook.find_submission("assignment1", "jdoe").needs_manual_grade


def test_reexporting_updates_the_scores_without_duplicating_anything(graded, assignment1):
    from nbgrader.api import Grade, Gradebook, Student, SubmittedAssignment

    out, db, roster = graded
    export(out, db, "--roster", roster)
    with Gradebook(db) as gradebook:
        counts = [gradebook.db.query(table).count() for table in (Student, SubmittedAssignment, Grade)]
        gradebook.find_grade("knn-inline-q1", "knn", "assignment1", "jsmith").manual_score = 3.0
        gradebook.db.commit()
    result(out, "smith_john", {"knn": 1.0}, assignment1)
    assert export(out, db, "--roster", roster) == 0
    with Gradebook(db) as gradebook:
        assert [gradebook.db.query(table).count() for table in (Student, SubmittedAssignment, Grade)] == counts
        assert gradebook.find_grade(export_nbgrader.AUTOGRADED_CELL, "knn", "assignment1", "jsmith").auto_score == 1.0
        assert gradebook.find_grade(export_nbgrader.AUTOGRADED_CELL, "svm", "assignment1", "jsmith").auto_score is None
        assert gradebook.find_grade("knn-inline-q1", "knn", "assignment1", "jsmith").manual_score == 3.0


def test_unmatched_and_failed_submissions_are_listed_and_not_exported(graded, assignment1, capsys):
    from nbgrader.api import Gradebook

    out, db, roster = graded
    result(out, "stranger", {"knn": 5.0}, assignment1)
    result(out, "doe_jane", {}, assignment1, status="failed")
    assert export(out, db, "--roster", roster) == 1
    err = capsys.readouterr().err.splitlines()
    assert f"gradekit export nbgrader: stranger: graded but not in the roster {roster}: not exported" in err
    assert "gradekit export nbgrader: doe_jane: grading failed: not exported" in err
    with Gradebook(db) as gradebook:
        assert [s.id for s in gradebook.students] == ["jsmith"]


def test_the_executed_notebooks_go_where_formgrader_opens_them(graded, tmp_path):
    out, db, roster = graded
    executed = os.path.join(out, "smith_john", "notebooks")
    os.makedirs(executed)
    nbformat.write(nbformat.v4.new_notebook(), os.path.join(executed, "knn.ipynb"))
    export(out, db, "--roster", roster, "--course-dir", str(tmp_path / "course"))
    assert (tmp_path / "course" / "autograded" / "jsmith" / "assignment1" / "knn.ipynb").is_file()


def test_a_manual_score_given_through_nbgraders_api_comes_back_into_the_gradebook(graded, assignment1):
    from nbgrader.api import Gradebook

    out, db, roster = graded
    export(out, db, "--roster", roster)
    with Gradebook(db) as gradebook:
        gradebook.find_grade("knn-inline-q1", "knn", "assignment1", "jsmith").manual_score = 2.0
        gradebook.find_grade("svm-inline-q2", "svm", "assignment1", "jsmith").manual_score = 1.5
        gradebook.db.commit()
    report.write_gradebook(out, list(assignment1.notebooks), cli.gradebook_extras(roster, db, "assignment1"))
    with open(os.path.join(out, "gradebook.csv"), newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    smith = rows["jsmith"]
    assert (float(smith["knn (manual)"]), float(smith["svm (manual)"]), float(smith["manual_score"])) == (2.0, 1.5, 3.5)
    assert float(smith["auto_score"]) == assignment1.max_score / 2
    assert float(smith["score"]) == float(smith["raw_score"]) == assignment1.max_score / 2 + 3.5
    assert float(rows["jdoe"]["manual_score"]) == 0 and float(rows["jdoe"]["score"]) == assignment1.max_score


def test_grade_with_nbgrader_db_and_roster_rebuilds_the_gradebook_with_both(graded, assignment1, data_dir, tmp_path):
    """An ungradable submission is graded (quickly, to 0) into a folder holding an exported result:
    the rebuilt gradebook names rows from the roster and adds the manual points."""
    from nbgrader.api import Gradebook

    out, db, roster = graded
    export(out, db, "--roster", roster)
    with Gradebook(db) as gradebook:
        gradebook.find_grade("knn-inline-q1", "knn", "assignment1", "jdoe").manual_score = 4.0
        gradebook.db.commit()
    (tmp_path / "dave").mkdir()
    (tmp_path / "dave" / "notes.txt").write_text("not an assignment")
    done = subprocess.run([sys.executable, "-m", "gradekit", "grade", "assignment1", str(tmp_path / "dave"),
                           "--out", out, "--data-dir", data_dir, "--quiet", "--roster", roster, "--nbgrader-db", db],
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=600)
    assert f"gradekit grade: dave: not in the roster {roster}: its gradebook row keeps the submission's name" \
        in done.stderr.splitlines(), done.stderr
    with open(os.path.join(out, "gradebook.csv"), newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"jsmith", "jdoe", "dave"} and rows["dave"]["submission"] == "dave"
    assert rows["jdoe"]["submission"] == "doe_jane" and float(rows["jdoe"]["knn (manual)"]) == 4.0
    assert float(rows["jdoe"]["score"]) == assignment1.max_score + 4.0


def test_grade_with_a_database_lacking_the_assignment_stops_before_grading(tmp_path, data_dir, empty_gradebook):
    db = copy_of(empty_gradebook, tmp_path)
    export_nbgrader.export([], course.load("assignment3"), db)
    done = subprocess.run([sys.executable, "-m", "gradekit", "grade", "assignment1", str(tmp_path), "--out",
                           str(tmp_path / "out"), "--data-dir", data_dir, "--nbgrader-db", db],
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=600)
    assert done.returncode == 1 and not (tmp_path / "out").exists()
    assert done.stderr.splitlines() == [f"gradekit grade: {db}: no assignment assignment1 "
                                        "(run `gradekit export nbgrader` first)"]
