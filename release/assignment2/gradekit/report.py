"""Stage 5: the result JSON of one submission and the gradebook of a whole output folder."""
import csv
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


def write_gradebook(out_root, notebooks):
    """`gradebook.csv`: one row per graded submission, nbgrader's export names where they apply."""
    columns = ["assignment", "student_id", "timestamp", "raw_score", "score", "max_score",
               *notebooks, "status"]
    path = os.path.join(out_root, "gradebook.csv")
    with open(path + ".tmp", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for result in load_results(out_root):
            row = {key: result.get(key, "") for key in columns}
            row["raw_score"] = result.get("score", 0)
            for name in notebooks:
                row[name] = result.get("notebooks", {}).get(name, {}).get("score", 0)
            writer.writerow(row)
    os.replace(path + ".tmp", path)
    return path


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
