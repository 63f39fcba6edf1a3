"""Canvas: a CSV to import into Canvas's gradebook (Grades > Import), students named by the roster.

The file has Canvas's columns `Student, ID, SIS User ID, SIS Login ID, Section` (from the roster),
then the assignment's column named as Canvas names it, `Name (assignment id)`; a `Points Possible`
row, as in Canvas's own export, follows the header. One row per roster student with a graded
result, in the roster's order. Nothing is guessed: a graded submission that is not in the roster,
and a submission whose grading failed (status `failed`), get no row (a failed grading is not a 0:
regrade it, or enter its grade in Canvas by hand); both are listed on stderr, as are the roster's
students with no result (they keep whatever Canvas has). Text cells starting with = + - @ get a
leading apostrophe so that no spreadsheet runs them as formulas.
"""
import csv
import os
import re
import sys

from gradekit.pipeline import report
from gradekit.export import roster as rosters

COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"  # as Canvas writes it in its exports; its importer skips it
CANVAS_COLUMN = re.compile(r".*\S.*\(\d+\)")


def add_arguments(parser):
    parser.add_argument("dir", help="an output folder of `gradekit grade`")
    parser.add_argument("--roster", required=True, help="roster CSV: columns Submission and SIS Login ID, "
                        "optionally Student, ID, SIS User ID, Section (a Canvas gradebook export plus a "
                        "Submission column will do)")
    parser.add_argument("--column", required=True, help="the assignment's column as Canvas names it, "
                        "'Name (assignment id)', e.g. 'Assignment 1 (12345)' (copy it from a Canvas export)")
    parser.add_argument("--dest", help="CSV file to write (default: DIR/canvas.csv)")
    parser.epilog = ("Exit status 1 when a graded submission is not in the roster or a grading failed "
                     "(neither gets a row), or on bad input; 0 otherwise, even when roster students "
                     "have no result.")


def run(args):
    """Write the Canvas CSV; returns the exit status described in the --help epilog."""
    if not CANVAS_COLUMN.fullmatch(args.column):
        return fail(f"--column {args.column!r} is not a Canvas assignment column 'Name (assignment id)', "
                    "e.g. 'Assignment 1 (12345)'")
    try:
        roster = rosters.load(args.roster)
    except rosters.RosterError as exc:
        return fail(str(exc))
    results = report.load_results(args.dir)
    if not results:
        return fail(f"{args.dir}: no graded submission (no */result.json)")
    exported, unmatched, failed = split(results, roster)
    dest = args.dest or os.path.join(args.dir, "canvas.csv")
    try:
        write(dest, exported, args.column, max(r.get("max_score", 0) for r in results))
    except OSError as exc:
        return fail(f"{dest}: cannot write: {exc}")
    for result in unmatched:
        warn(f"{result['student_id']}: graded but not in the roster {args.roster}: no row")
    for result in failed:
        warn(f"{result['student_id']}: grading failed ({result.get('error')}): no row (not a 0)")
    for student in roster.without_result([r["student_id"] for r in results]):
        warn(f"{student.login_id}: in the roster, no graded result in {args.dir}")
    print(f"{dest}: {len(exported)} student(s)")
    return 1 if unmatched or failed else 0


def split(results, roster):
    """([(roster Student, result)] to export in roster order, results not in the roster, failed results)."""
    exported, unmatched, failed = rosters.partition(results, roster)
    graded = {roster.find(r["student_id"]): r for r in exported}
    return [(s, graded[s]) for s in roster.students if s in graded], unmatched, failed


def write(dest, exported, column, points_possible):
    """The CSV itself: header, the Points Possible row, one row per (Student, result)."""
    rows = [[*COLUMNS, column], [POINTS_POSSIBLE, "", "", "", "", report.fmt(points_possible)]]
    rows += [[s.name, s.canvas_id, s.sis_user_id, s.login_id, s.section, report.fmt(r["score"])]
             for s, r in exported]
    with open(dest + ".tmp", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([[report.spreadsheet_safe(cell) for cell in row] for row in rows])
    os.replace(dest + ".tmp", dest)


def warn(message):
    print(f"gradekit export canvas: {message}", file=sys.stderr)


def fail(message):
    warn(message)
    return 1
