"""How long grading one submission takes, by stage, for the reference solution.

    .venv/bin/python benchmarks/grade_one.py [--assignment assignment1] [--data-dir data]

Prints seconds per stage (unpack, execute per notebook, check) and, as the baseline measured in
the same run, one papermill execution of an empty notebook (kernel start-up), so that the figures
can be read as multiples of the fixed cost of a notebook. The issue's target: the whole grade of
the reference solution within 6 minutes on a 2-core machine.
"""
import argparse
import os
import sys
import tempfile
import time

import nbformat

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from gradekit import course  # noqa: E402
from gradekit.authoring import reference  # noqa: E402
from gradekit.pipeline import check, grade  # noqa: E402
from gradekit.pipeline import execute  # noqa: E402

TARGET_SECONDS = 360


def kernel_baseline(workdir):
    """Seconds papermill needs to run a notebook with one trivial cell (the per-notebook floor)."""
    path = os.path.join(workdir, "empty.ipynb")
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    nbformat.write(nb, path)
    started = time.monotonic()
    execute.run_papermill(path, os.path.join(workdir, "empty.out.ipynb"), {}, workdir, 60)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="assignment1")
    parser.add_argument("--data-dir", default="data")
    args = parser.parse_args()
    assignment = course.load(args.assignment)
    with tempfile.TemporaryDirectory() as work:
        baseline = kernel_baseline(work)
        solved = reference.write(assignment, os.path.join(work, "reference"))
        options = grade.Options(assignment, os.path.join(work, "out"), os.path.abspath(args.data_dir))
        started = time.monotonic()
        result = grade.grade_one(solved, options, check.manifest(assignment), "reference")
        total = time.monotonic() - started
    print(f"grading one {assignment.name} submission (the reference solution), {os.cpu_count()} cores")
    print(f"  baseline: empty notebook through papermill   {baseline:7.1f} s")
    for stage, seconds in result["timings"].items():
        print(f"  {stage:<44} {seconds:7.1f} s   ({seconds / baseline:5.1f} x baseline)")
        if stage == "execute":
            for name, info in result["notebooks"].items():
                run = info["execution"]
                print(f"    {name + '.ipynb':<42} {run['seconds']:7.1f} s   ({run['status']})")
    print(f"  total (with collecting the manifest)         {total:7.1f} s   "
          f"({total / TARGET_SECONDS:.2f} x the {TARGET_SECONDS} s target)")
    print(f"  score {result['score']:g} / {result['max_score']:g}")
    return 0 if result["score"] == result["max_score"] and total <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
