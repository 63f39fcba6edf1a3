"""Stage 5: the result JSON of one submission and the gradebook of a whole output folder."""
import csv
import dataclasses
import glob
import json
import os

RESULT = "result.json"


def write_result(out_dir, result):
    """Write `<out_dir>/result.json` atomically, so an interrupted run never leaves half a file."""
    path = os.path.join(out_dir, RESULT)
    os.makedirs(out_dir, exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
    os.replace(path + ".tmp", path)
    return path


def load_results(out_root):
    """Every submission's result under `out_root` (one folder per submission)."""
    results = []
    for path in sorted(glob.glob(os.path.join(out_root, "*", RESULT))):
        with open(path) as f:
            results.append(json.load(f))
    return results


@dataclasses.dataclass(frozen=True)
class Extras:
    """What a gradebook adds to the results: the roster's ids and nbgrader's manual points."""
    roster: object = None  # a gradekit.export.roster.Roster: rows named by the student's login id
    manual: dict | None = None  # {nbgrader student id: {notebook: manual points}}; None: no manual columns
    manual_max: dict = dataclasses.field(default_factory=dict)  # {notebook: manual points possible}


def write_gradebook(out_root, notebooks, extras=None):
    """`gradebook.csv`: one row per graded submission, nbgrader's export names where they apply.

    With a roster, `student_id` is the student's login id and `submission` the submission's name
    (a submission not in the roster keeps its name in both). With nbgrader's manual points,
    `raw_score`, `score` and `max_score` are automatic plus manual points, as in nbgrader's own
    export, and `auto_score`, `manual_score` and one `<notebook> (manual)` column per notebook
    show the two parts. Text cells are spreadsheet-safe (`spreadsheet_safe`)."""
    extras = extras or Extras()
    manual = [f"{name} (manual)" for name in notebooks] if extras.manual is not None else []
    columns = ["assignment", "student_id", *(["submission"] if extras.roster else []), "timestamp",
               "raw_score", "score", "max_score", *(["auto_score", "manual_score"] if manual else []),
               *notebooks, *manual, "status"]
    path = os.path.join(out_root, "gradebook.csv")
    with open(path + ".tmp", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for result in load_results(out_root):
            row = gradebook_row(result, notebooks, extras, columns)
            writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    os.replace(path + ".tmp", path)
    return path


def gradebook_row(result, notebooks, extras, columns):
    """One submission's gradebook row (see write_gradebook)."""
    row = {key: result.get(key, "") for key in columns}
    submission = result.get("student_id", "")
    student = extras.roster.find(submission) if extras.roster else None
    row["student_id"] = student.login_id if student else submission
    if extras.roster:
        row["submission"] = submission
    for name in notebooks:
        row[name] = result.get("notebooks", {}).get(name, {}).get("score", 0)
    auto = result.get("score", 0)
    row["raw_score"] = row["score"] = auto
    if extras.manual is not None:
        given = extras.manual.get(row["student_id"], {})
        points = {name: given.get(name, 0) for name in notebooks}
        row.update({f"{name} (manual)": points[name] for name in notebooks})
        row.update(auto_score=auto, manual_score=sum(points.values()), raw_score=auto + sum(points.values()),
                   score=auto + sum(points.values()),
                   max_score=result.get("max_score", 0) + sum(extras.manual_max.get(n, 0) for n in notebooks))
    return row


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """`cell`, or for text a spreadsheet would run as a formula (starting with = + - @, a tab or a
    carriage return) the same text after an apostrophe, as OWASP advises against CSV injection."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def score_table(results, notebooks):
    """A plain-text table of scores, one line per submission, for the terminal."""
    header = ["student_id", *notebooks, "score"]
    rows = [[r["student_id"], *(fmt(r.get("notebooks", {}).get(n, {}).get("score", 0)) for n in notebooks),
             f"{fmt(r.get('score', 0))}/{fmt(r.get('max_score', 0))}"] for r in results]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)) for line in [header, *rows]]
    return "\n".join(lines)


def failures(result, limit=20):
    """The failed tests of one result as short lines, for the terminal."""
    lines = []
    for test in result.get("tests", []):
        if test["status"] != "passed":
            lines.append(f"  - {test['id']} ({fmt(test['points'])} pts): {test['message']}")
    return lines[:limit] + ([f"  ... and {len(lines) - limit} more"] if len(lines) > limit else [])


def fmt(x):
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)
