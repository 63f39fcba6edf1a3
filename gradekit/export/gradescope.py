"""Gradescope: each graded submission's results.json in Gradescope's autograder results format.

`gradekit export gradescope DIR` writes `DIR/<student>/gradescope/results.json` for every result
in DIR (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the total, the run time,
a short summary (`output`), and one test per check, named as a sentence and prefixed by its
notebook. What a check's output shows a student is `gradekit.disclosure`'s decision: a public
check's message always, a hidden one's as `--feedback hidden=summary|full|none` says, and hidden
checks become visible to students when `--hidden-visibility` says (by default once the instructor
publishes the grades). The autograder bundle's `run_autograder` writes its results with this.
"""
import json
import os
import sys

from gradekit import disclosure
from gradekit.pipeline import report

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
FILE = "results.json"
# The summary is plain text (Gradescope's default for it renders HTML); stdout is the grading log,
# for instructors only.
PRESENTATION = {"output_format": "text", "visibility": "visible", "stdout_visibility": "hidden"}


def add_arguments(parser):
    parser.add_argument("dir", help="a grading output folder (gradekit grade --out DIR)")
    parser.add_argument("--hidden-visibility", choices=VISIBILITIES, default="after_published",
                        help="when students see the hidden checks (default: after_published; public "
                             "checks are always visible)")
    parser.add_argument("--feedback", default="hidden=summary", metavar="hidden=summary|full|none",
                        help="what a hidden check's output shows (default hidden=summary: no hidden "
                             "inputs or reference values)")
    parser.add_argument("--student", help="only this student's results")
    parser.add_argument("--dest", help="write the one selected result to this file instead "
                                       "(e.g. /autograder/results/results.json)")


def run(args):
    """Write the results.json of every selected result; 1 with a one-line message on bad input."""
    try:
        hidden = disclosure.option_mode(args.feedback)
        chosen = selected(report.load_results(args.dir), args.dir, args.student, args.dest)
    except ValueError as exc:
        print(f"gradekit export gradescope: {exc}", file=sys.stderr)
        return 1
    for result in chosen:
        path = args.dest or os.path.join(args.dir, result["student_id"], "gradescope", FILE)
        write(path, results(result, args.hidden_visibility, hidden))
        print(path)
    return 0


def selected(all_results, folder, student, dest):
    """The results to export: all of them, or `student`'s; ValueError naming the folder or the
    student when there is nothing to export, or when --dest would receive several results."""
    if not os.path.isdir(folder):
        raise ValueError(f"{folder}: no such folder")
    if not all_results:
        raise ValueError(f"{folder}: no graded results (no */result.json; run gradekit grade --out {folder})")
    chosen = [r for r in all_results if student is None or r["student_id"] == student]
    if not chosen:
        raise ValueError(f"{folder}: no result for student {student!r} "
                         f"({len(all_results)} results there)")
    if dest and len(chosen) > 1:
        raise ValueError(f"--dest {dest} takes one result, {folder} has {len(chosen)}: choose one with --student")
    return chosen


def results(result, hidden_visibility="after_published", hidden_feedback="summary"):
    """Gradescope's results dict of one gradekit result (pure: nothing is read or written)."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"--hidden-visibility {hidden_visibility}: choose one of {', '.join(VISIBILITIES)}")
    return {
        "score": points(result.get("score", 0)),
        "execution_time": round(sum(result.get("timings", {}).values())),
        "output": summary(result),
        **PRESENTATION,
        "tests": [test_case(t, hidden_visibility, hidden_feedback) for t in result.get("tests", [])],
    }


def not_graded(reason):
    """Gradescope's results of a submission that could not be graded: 0 points and the reason."""
    return {"score": 0.0, "execution_time": 0, "output": reason, **PRESENTATION, "tests": []}


def test_case(test, hidden_visibility, hidden_feedback):
    """One check as a Gradescope test: a hidden check under `none` shows students nothing, ever."""
    hidden = disclosure.is_hidden(test)
    shown = disclosure.shown(test, hidden_feedback)
    return {
        "name": f"{test['notebook']}: {disclosure.title(test)}",
        "score": points(test["earned"]),
        "max_score": points(test["points"]),
        "status": "passed" if test["status"] == "passed" else "failed",
        "output": shown["message"] if shown else "",
        "visibility": ("hidden" if shown is None else hidden_visibility) if hidden else "visible",
        "tags": [test["notebook"], "hidden" if hidden else "public"],
    }


def summary(result):
    """The text above the tests: the total, each notebook's score and execution problem, and why
    grading failed or ran unsandboxed, if it did."""
    lines = [f"{result.get('assignment', '')}: {fmt(result.get('score', 0))}/{fmt(result.get('max_score', 0))} points"]
    for name, notebook in result.get("notebooks", {}).items():
        line = f"  {name}: {fmt(notebook['score'])}/{fmt(notebook['max_score'])}"
        execution = notebook.get("execution", {})
        if execution.get("status", "ok") != "ok":
            line += f" (notebook {execution['status']}: {execution.get('message', '')})"
        lines.append(line)
    if result.get("status") == "failed":
        lines.append(f"Grading failed: {result.get('error')}")
    if result.get("sandbox") is False:
        lines.append("Graded without a sandbox.")
    return "\n".join(lines)


def points(x):
    """A score as Gradescope shows it: two decimals."""
    return round(float(x), 2)


def fmt(x):
    return report.fmt(points(x))


def write(path, document):
    """Write `document` as JSON to `path` atomically (its folder created)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(document, f, indent=1)
    os.replace(path + ".tmp", path)
    return path
