"""nbgrader: the autograded scores written into an nbgrader gradebook database, for formgrader.

Through nbgrader's own `Gradebook` API, the database gets the assignment, its notebooks and, per
notebook, the nbgrader cells of source/<assignment>/<notebook>.ipynb (the inline questions are
"manually graded answer" cells: grade and solution cells with the source's points) plus one
autograded grade cell, `gradekit-autograded`, worth the notebook's points, holding gradekit's score
as its `auto_score`. One cell per notebook, not per check: gradekit's checks are pytest tests, not
cells of the notebook; they are renamed and added between gradings (a cell per check would leave
stale cells behind) and their details are in gradekit's feedback; the notebook is the unit of the
course's points and of gradekit's gradebook. Every student (the roster's login id, else the
submission's name) gets a submission; re-exporting updates the same rows, and keeps the manual
scores given in formgrader. With --course-dir, the executed notebooks are copied to
ROOT/autograded/<student>/<assignment>/ (nbgrader's layout), where formgrader opens them to grade.

`manual_scores` reads the manual points back (`gradekit grade --nbgrader-db URL`).
"""
import contextlib
import os
import shutil
import sys
import warnings

import nbformat

from gradekit import course
from gradekit.pipeline import report
from gradekit.export import roster as rosters

AUTOGRADED_CELL = "gradekit-autograded"


def add_arguments(parser):
    parser.add_argument("dir", help="an output folder of `gradekit grade`")
    parser.add_argument("--db", required=True, help="nbgrader's database URL, e.g. sqlite:////course/gradebook.db")
    parser.add_argument("--roster", help="roster CSV: students are named by its SIS Login ID (see `export canvas`)")
    parser.add_argument("--course-dir", help="nbgrader course folder: the executed notebooks are copied to "
                        "its autograded/<student>/<assignment>/, where formgrader grades them")
    parser.epilog = ("Exit status 1 when a submission is not in the roster or its grading failed (neither "
                     "is exported), or on bad input; 0 otherwise.")


def run(args):
    """Export every graded result of args.dir; returns the exit status described in the epilog."""
    try:
        roster = rosters.load(args.roster) if args.roster else None
    except rosters.RosterError as exc:
        return fail(str(exc))
    results = report.load_results(args.dir)
    if not results:
        return fail(f"{args.dir}: no graded submission (no */result.json)")
    names = {r["assignment"] for r in results}
    if len(names) != 1:
        return fail(f"{args.dir}: results of several assignments ({', '.join(sorted(names))}); export one at a time")
    exported, unmatched, failed = rosters.partition(results, roster)
    assignment = course.load(names.pop())
    try:
        students = export(exported, assignment, args.db, roster)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy's and nbgrader's errors, in one line
        return fail(f"{args.db}: {type(exc).__name__}: {exc}")
    try:
        if args.course_dir:
            copy_notebooks(args.dir, exported, students, assignment, args.course_dir)
    except OSError as exc:
        return fail(f"{args.course_dir}: cannot copy the executed notebooks: {exc}")
    for result in unmatched:
        warn(f"{result['student_id']}: graded but not in the roster {args.roster}: not exported")
    for result in failed:
        warn(f"{result['student_id']}: grading failed: not exported")
    print(f"{args.db}: {assignment.name}, {len(exported)} submission(s)")
    return 1 if unmatched or failed else 0


def export(results, assignment, db_url, roster=None):
    """Write the assignment and `results` into the database; returns {submission name: nbgrader student id}."""
    students = {}
    with opened(db_url) as gradebook:
        define_assignment(gradebook, assignment)
        for result in results:
            student = roster.find(result["student_id"]) if roster else None
            students[result["student_id"]] = student_id = student.login_id if student else result["student_id"]
            gradebook.update_or_create_student(student_id, **student_names(student))
            when = {"timestamp": result["timestamp"]} if result.get("timestamp") else {}
            submission = gradebook.update_or_create_submission(assignment.name, student_id, **when)
            complete_submission(gradebook, submission)
            for name in assignment.notebooks:
                grade = gradebook.find_grade(AUTOGRADED_CELL, name, assignment.name, student_id)
                grade.auto_score = result.get("notebooks", {}).get(name, {}).get("score")
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            gradebook.db.commit()
    return students


@contextlib.contextmanager
def opened(db_url):
    """nbgrader's Gradebook on `db_url`, closed at the end of the block. nbgrader stamps a new
    database by running the `alembic` command, which is installed beside this Python: that folder
    is put on PATH while the Gradebook opens."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    path = os.environ.get("PATH", "")
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + path
    try:
        gradebook = Gradebook(db_url)
    finally:
        os.environ["PATH"] = path
    with gradebook, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission builds rows before adding them
        yield gradebook


def define_assignment(gradebook, assignment):
    """The assignment, its notebooks and their cells: the source's nbgrader cells and gradekit's one."""
    gradebook.update_or_create_assignment(assignment.name)
    for name in assignment.notebooks:
        gradebook.update_or_create_notebook(name, assignment.name)
        for cell in source_cells(assignment, name):
            meta = cell.metadata.nbgrader
            if meta.get("grade"):
                gradebook.update_or_create_grade_cell(meta["grade_id"], name, assignment.name,
                                                      max_score=float(meta.get("points", 0)),
                                                      cell_type=cell.cell_type)
            if meta.get("solution"):
                gradebook.update_or_create_solution_cell(meta["grade_id"], name, assignment.name)
        gradebook.update_or_create_grade_cell(AUTOGRADED_CELL, name, assignment.name,
                                              max_score=float(assignment.points[name]), cell_type="code")


def source_cells(assignment, notebook):
    """The cells of the source notebook that nbgrader grades or collects (grade or solution cells)."""
    path = os.path.join(assignment.source, f"{notebook}.ipynb")
    if not os.path.exists(path):
        return []
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") or
            c.metadata.get("nbgrader", {}).get("solution")]


def complete_submission(gradebook, submission):
    """Give an existing submission the notebooks, grades and comments of cells added since it was
    made (nbgrader's add_submission mirrors the assignment only once)."""
    from nbgrader.api import Comment, Grade, SubmittedNotebook

    have = {nb.notebook.id: nb for nb in submission.notebooks}
    for notebook in submission.assignment.notebooks:
        submitted = have.get(notebook.id) or SubmittedNotebook(notebook=notebook, assignment=submission)
        graded = {g.cell_id for g in submitted.grades}
        commented = {c.cell_id for c in submitted.comments}
        for cell in notebook.grade_cells:
            if cell.id not in graded:
                Grade(cell_id=cell.id, notebook=submitted)
        for cell in notebook.solution_cells:
            if cell.id not in commented:
                Comment(cell_id=cell.id, notebook=submitted)
    gradebook.db.commit()


def student_names(student):
    """nbgrader's name fields from a roster Student ("Last, First" as Canvas writes it)."""
    if student is None:
        return {}
    last, _, first = student.name.partition(",")
    return {"last_name": last.strip() or None, "first_name": first.strip() or None,
            "lms_user_id": student.canvas_id or None}


def copy_notebooks(out_dir, results, students, assignment, course_dir):
    """Copy each result's executed notebooks to course_dir/autograded/<student>/<assignment>/."""
    for result in results:
        target = os.path.join(course_dir, "autograded", students[result["student_id"]], assignment.name)
        os.makedirs(target, exist_ok=True)
        for name in assignment.notebooks:
            executed = os.path.join(out_dir, result["student_id"], "notebooks", f"{name}.ipynb")
            if os.path.exists(executed):
                shutil.copyfile(executed, os.path.join(target, f"{name}.ipynb"))


def manual_scores(db_url, assignment):
    """({nbgrader student id: {notebook: manual points}}, {notebook: manual points possible}) of
    `assignment` in the database: the points of its manually graded answer cells (grade cells that
    are also solution cells, as nbgrader defines them), as nbgrader counts them (the manual score,
    else the automatic one, plus extra credit). ValueError in one line for a database that cannot
    be read or lacks the assignment."""
    from nbgrader.api import MissingEntry
    from sqlalchemy.exc import SQLAlchemyError

    if db_url.startswith("sqlite:///") and not os.path.exists(db_url[len("sqlite:///"):]):
        raise ValueError(f"{db_url}: no such database")
    try:
        with opened(db_url) as gradebook:
            found = gradebook.find_assignment(assignment)
            cells = manual_cell_ids(found)
            possible = {nb.name: sum(c.max_score for c in nb.grade_cells if c.id in cells[nb.name])
                        for nb in found.notebooks}
            scores = {submission.student_id: {nb.name: sum(g.score for g in nb.grades if g.cell_id in cells[nb.name])
                                              for nb in submission.notebooks}
                      for submission in found.submissions}
    except MissingEntry:
        raise ValueError(f"{db_url}: no assignment {assignment} (run `gradekit export nbgrader` first)") from None
    except (SQLAlchemyError, OSError, ImportError) as exc:
        raise ValueError(f"{db_url}: cannot read nbgrader's database: {type(exc).__name__}: {exc}") from None
    return scores, possible


def manual_cell_ids(assignment):
    """{notebook name: ids of its manually graded answer cells}: grade cells with a solution cell of the same name."""
    return {nb.name: {c.id for c in nb.grade_cells if c.name in {s.name for s in nb.solution_cells}}
            for nb in assignment.notebooks}


def warn(message):
    print(f"gradekit export nbgrader: {message}", file=sys.stderr)


def fail(message):
    warn(message)
    return 1
