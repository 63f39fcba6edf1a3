"""What the sandbox costs per notebook: the same notebook executed with and without it, in one run.

    .venv/bin/python benchmarks/sandbox_cost.py [--assignment assignment1] [--notebooks knn,svm] [--rounds 2]

Each notebook of the reference solution is executed `--rounds` times in a sandbox and as many
times without one, alternating so that both see the same machine; an empty notebook measures the
fixed cost (kernel start-up). Prints the median seconds of each and their ratio (the issue's aim:
at most 1.1x per notebook).
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import nbformat

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from gradekit import course, sandbox  # noqa: E402
from gradekit.authoring import reference  # noqa: E402
from gradekit.pipeline import grade  # noqa: E402
from gradekit.pipeline import execute  # noqa: E402
from gradekit.data import student_data  # noqa: E402


def empty_notebook(folder):
    """A folder holding `empty.ipynb`, one trivial cell: the fixed cost of a notebook."""
    os.makedirs(folder)
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    nbformat.write(nb, os.path.join(folder, "empty.ipynb"))
    return folder


def timed_run(source, name, parameters, work, spec):
    """Seconds to execute `name` from a fresh copy of `source` (sandboxed when `spec` is given)."""
    run = tempfile.mkdtemp(dir=work)
    root = shutil.copytree(source, os.path.join(run, "execution"))
    artifacts = os.path.join(run, "artifacts")
    os.makedirs(artifacts)
    if spec is not None:
        sandbox.give(run, spec.uid)
    started = time.monotonic()
    report = execute.execute_one(root, name, os.path.join(run, "out"), dict(parameters, artifacts_dir=artifacts),
                                 1800, None, spec)
    seconds = time.monotonic() - started
    if report["status"] != "ok":
        raise SystemExit(f"{name}.ipynb did not run: {report['message']}")
    shutil.rmtree(run, ignore_errors=True)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="assignment1")
    parser.add_argument("--notebooks", default="knn", help="comma-separated (default: knn)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data-dir", default="data")
    args = parser.parse_args()
    if why := sandbox.unavailable():
        raise SystemExit(f"no sandbox here: {why}")
    assignment = course.load(args.assignment)
    options = grade.Options(assignment, "unused", os.path.abspath(args.data_dir))
    with tempfile.TemporaryDirectory() as work:
        os.chmod(work, 0o755)
        solved = reference.write(assignment, os.path.join(work, "reference"))
        cases = [("empty", empty_notebook(os.path.join(work, "empty")))]
        cases += [(name, solved) for name in args.notebooks.split(",")]
        print(f"sandbox cost per notebook, {assignment.name}, {args.rounds} rounds each, {os.cpu_count()} cores")
        print(f"  {'notebook':<22} {'no sandbox':>11} {'sandbox':>9} {'ratio':>7}")
        data = student_data.folders(options.data_dir, assignment.data)
        with grade.sandbox_slots(options, 1, data) as (spec,):
            for name, source in cases:
                parameters = grade.parameters(options, data)
                plain, boxed = [], []
                for _ in range(args.rounds):
                    plain.append(timed_run(source, name, parameters, work, None))
                    boxed.append(timed_run(source, name, parameters, work, spec))
                p, b = statistics.median(plain), statistics.median(boxed)
                print(f"  {name + '.ipynb':<22} {p:10.2f}s {b:8.2f}s {b / p:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
