"""How much executing a submission's notebooks side by side saves, for the reference solution.

    .venv/bin/python benchmarks/notebook_lanes.py [--assignment assignment1] [--lanes 2] [--data-dir data]

Grades the reference twice in one run: first one notebook at a time with every core's BLAS threads
(the baseline), then `--lanes` notebooks at a time, each with its share of the threads. Prints the
execution time of each and their ratio, each notebook's time, and both scores (which must agree).
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from gradekit import course  # noqa: E402
from gradekit.authoring import reference  # noqa: E402
from gradekit.pipeline import check, grade  # noqa: E402


def graded(assignment, solved, work, data_dir, lanes):
    options = grade.Options(assignment, os.path.join(work, f"out-{lanes}"), data_dir, cell_timeout=1800,
                            grading_seed=231, notebooks_at_once=lanes)
    return grade.grade_one(solved, options, check.manifest(assignment), "reference")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="assignment1")
    parser.add_argument("--lanes", type=int, default=2)
    parser.add_argument("--data-dir", default="data")
    args = parser.parse_args()
    assignment = course.load(args.assignment)
    with tempfile.TemporaryDirectory() as work:
        solved = reference.write(assignment, os.path.join(work, "reference"))
        runs = {lanes: graded(assignment, solved, work, os.path.abspath(args.data_dir), lanes)
                for lanes in (1, args.lanes)}
    base, side = runs[1], runs[args.lanes]
    print(f"executing the {assignment.name} reference's notebooks, {os.cpu_count()} cores")
    for name in assignment.notebooks:
        print(f"  {name + '.ipynb':<32} {base['notebooks'][name]['execution']['seconds']:7.1f} s   "
              f"{side['notebooks'][name]['execution']['seconds']:7.1f} s")
    b, s = base["timings"]["execute"], side["timings"]["execute"]
    print(f"  {'execute (1 at a time, baseline)':<32} {b:7.1f} s")
    print(f"  {f'execute ({args.lanes} at a time)':<32} {s:7.1f} s   ({s / b:.2f} x the baseline)")
    print(f"  score {base['score']:g} and {side['score']:g} of {base['max_score']:g}")
    return 0 if base["score"] == side["score"] == base["max_score"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
