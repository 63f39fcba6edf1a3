"""Submissions per hour of a class of assignment 1 graded by gradekit (1 and 2 workers), by nbgrader's
autograde and by otter-grader's local runner, all measured in one run on the same class.

    .venv/bin/python benchmarks/class_throughput.py [--size 6] [--seed 0] [--notebooks knn,softmax]
                                                   [--data-dir data] [--otter-venv /tmp/otter-venv]

The class is `gradekit class assignment1 --size N --seed S` (reference, release, planted bugs,
missing and failing notebooks). Each grader runs one after the other on this machine:

- gradekit `--jobs 1 --notebooks-at-once 1`: one notebook at a time, as nbgrader does;
- gradekit `--jobs 2`: two submissions at once, each with one notebook at a time and one BLAS
  thread (the default share on 2 cores);
- nbgrader `autograde` in a scratch course folder: the source notebooks as its source, the class
  as submitted; the notebooks' parameters cell gets gradekit's values (the data folder, grading =
  True), so that both execute the same cells;
- otter-grader 7.0.0's `otter run` (no container) on each notebook, from a throwaway venv
  (`--otter-venv`, made with pip if it is missing; not a gradekit dependency); if it cannot be
  installed or run here, the reason is printed and the run goes on. Otter keeps no executed
  notebook, so its overhead is computed with the cells' time of nbgrader's run of the same notebooks.

Printed: each grader's wall time and submissions per hour, its overhead per executed notebook
(wall time minus the executed cells' own time, read from the cells' `metadata.execution` timing,
over the notebooks executed; for the one-at-a-time runs only), and the speedup of 2 workers over 1.
gradekit's overhead includes its checks (pytest, sandbox, scoring); nbgrader has no test cells to
run in these notebooks.
"""
import argparse
import datetime
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import nbformat

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from gradekit import course  # noqa: E402
from gradekit.authoring import class_generator  # noqa: E402
from gradekit.pipeline import check  # noqa: E402

BIN = os.path.dirname(sys.executable)
OTTER_VERSION = "7.0.0"


def cell_seconds(path):
    """The seconds a notebook's code cells took, from their `metadata.execution` timestamps."""
    total = 0.0
    for cell in nbformat.read(path, as_version=4).cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            total += (moment(timing["shell.execute_reply"]) - moment(timing["iopub.execute_input"])).total_seconds()
    return total


def moment(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def timed(command, cwd=REPO, env=None):
    """(wall seconds, completed process) of running `command`."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, done


def run_gradekit(submissions, out, notebooks, data_dir, jobs, extra=()):
    """Grade the class with `gradekit grade`; returns (wall seconds, executed notebook paths)."""
    command = [os.path.join(BIN, "gradekit"), "grade", "assignment1", *submissions, "--out", out, "--quiet",
               "--jobs", str(jobs), "--data-dir", data_dir, "--notebooks", ",".join(notebooks), *extra]
    seconds, done = timed(command)
    if not os.path.exists(os.path.join(out, "gradebook.csv")):
        raise SystemExit(f"gradekit grade failed (exit {done.returncode}): {done.stderr[-1500:]}")
    return seconds, sorted(glob.glob(os.path.join(out, "*", "notebooks", "*.ipynb")))


def with_grading_parameters(path, data_dir):
    """Give the notebook's parameters cell the values gradekit injects (absolute data, grading)."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source += (f"\ncifar10_dir = {os.path.join(data_dir, 'cifar-10-batches-py')!r}"
                            "\ngrading = True")
    nbformat.write(notebook, path)


def run_nbgrader(assignment, submissions, work, notebooks, data_dir):
    """Autograde the class with nbgrader in a scratch course; (wall seconds, executed notebooks)."""
    course_dir = os.path.join(work, "nbgrader-course")
    source = os.path.join(course_dir, "source", assignment.name)
    os.makedirs(source)
    shutil.copy2(os.path.join(REPO, "nbgrader_config.py"), course_dir)
    for name in notebooks:
        shutil.copy2(os.path.join(assignment.source, f"{name}.ipynb"), source)
        with_grading_parameters(os.path.join(source, f"{name}.ipynb"), data_dir)
    for path in submissions:
        submitted = os.path.join(course_dir, "submitted", os.path.basename(path), assignment.name)
        shutil.copytree(path, submitted, ignore=shutil.ignore_patterns("*.ipynb"))
        for name in notebooks:
            if os.path.exists(os.path.join(path, f"{name}.ipynb")):
                shutil.copy2(os.path.join(path, f"{name}.ipynb"), submitted)
                with_grading_parameters(os.path.join(submitted, f"{name}.ipynb"), data_dir)
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    options = [f"--CourseDirectory.root={course_dir}", f"--CourseDirectory.db_url=sqlite:///{work}/nbgrader.db"]
    _, done = timed([os.path.join(BIN, "nbgrader"), "generate_assignment", assignment.name, "--force", *options],
                    cwd=course_dir, env=env)
    if done.returncode != 0:
        raise SystemExit(f"nbgrader generate_assignment failed: {done.stdout[-800:]}{done.stderr[-800:]}")
    seconds, done = timed([os.path.join(BIN, "nbgrader"), "autograde", assignment.name, "--create", "--force",
                           "--ExecutePreprocessor.timeout=1800", *options], cwd=course_dir, env=env)
    executed = sorted(glob.glob(os.path.join(course_dir, "autograded", "*", assignment.name, "*.ipynb")))
    if not executed:
        raise SystemExit(f"nbgrader autograde executed nothing (exit {done.returncode}): {done.stderr[-1500:]}")
    return seconds, executed


OK_TEST = """OK_FORMAT = True
test = {"name": "executed", "points": 1, "suites": [{"type": "doctest", "scored": True, "setup": "", "teardown": "",
        "cases": [{"code": ">>> True\\nTrue", "hidden": False, "locked": False}]}]}
"""


def run_otter(submissions, work, notebooks, data_dir, venv):
    """(wall seconds, notebooks executed) of `otter run` on each notebook of the class, or the
    reason it cannot run here. Otter takes the package from its autograder zip (students hand in
    notebooks only), so each submission gets a zip of its own, made before the clock starts, with
    one always-passing test: what is timed is otter executing the notebook and collecting results."""
    otter = otter_installed(venv)
    if not otter.endswith("otter"):
        return otter
    tests = os.path.join(work, "otter-tests")
    os.makedirs(tests)
    with open(os.path.join(tests, "executed.py"), "w") as f:
        f.write(OK_TEST)
    runs = []
    for path in submissions:
        folder = os.path.join(work, "otter", os.path.basename(path))
        os.makedirs(folder)
        zipped = os.path.join(folder, "autograder.zip")
        _, done = timed([otter, "generate", "-t", tests, "-o", zipped, "--no-requirements", "--no-environment",
                         "--no-config", "cs231n"], cwd=path)
        if not os.path.exists(zipped):
            return f"`otter generate` failed: {last_line(done.stdout + done.stderr)}"
        for name in notebooks:
            if os.path.exists(os.path.join(path, f"{name}.ipynb")):
                shutil.copy2(os.path.join(path, f"{name}.ipynb"), folder)
                with_grading_parameters(os.path.join(folder, f"{name}.ipynb"), data_dir)
                runs.append((folder, zipped, name))
    env = dict(os.environ, JUPYTER_PATH=os.path.join(venv, "share", "jupyter"))
    start = time.perf_counter()
    for folder, zipped, name in runs:
        out = os.path.join(folder, f"out-{name}")
        os.makedirs(out)
        _, done = timed([otter, "run", "-a", zipped, "-o", out, f"{name}.ipynb"], cwd=folder, env=env)
        if not os.path.exists(os.path.join(out, "results.json")):
            return f"`otter run` wrote no results.json: {last_line(done.stdout + done.stderr)}"
    return time.perf_counter() - start, len(runs)


def otter_installed(venv):
    """The path of `otter` in `venv`, installed there if missing, or why it cannot be. The venv
    also sees .venv's packages (a .pth file: the notebooks' numpy, matplotlib and ipykernel) and
    gets a kernelspec running its own python, which has otter to collect the results."""
    otter = os.path.join(venv, "bin", "otter")
    if not os.path.exists(otter):
        subprocess.run([sys.executable, "-m", "venv", "--clear", venv], capture_output=True)
        done = subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", f"otter-grader=={OTTER_VERSION}"],
                              capture_output=True, text=True)
        if done.returncode != 0 or not os.path.exists(otter):
            return f"otter-grader=={OTTER_VERSION} does not install here: {last_line(done.stderr)}"
    site = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True).stdout.strip()
    theirs = glob.glob(os.path.join(venv, "lib", "python*", "site-packages"))[0]
    with open(os.path.join(theirs, "zz-gradekit-venv.pth"), "w") as f:
        f.write(site + "\n")
    kernel = os.path.join(venv, "share", "jupyter", "kernels", "python3")
    os.makedirs(kernel, exist_ok=True)
    with open(os.path.join(kernel, "kernel.json"), "w") as f:
        json.dump({"argv": [os.path.join(venv, "bin", "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                   "display_name": "Python 3 (otter)", "language": "python"}, f)
    return otter


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def report(label, seconds, notebooks, cells, size, serial):
    """One grader's printed line: wall time, submissions per hour, overhead per executed notebook."""
    line = (f"  {label:<40} {seconds:7.1f} s  {size * 3600 / seconds:7.1f} submissions/h  "
            f"{notebooks:3d} notebooks executed, their cells {cells:6.1f} s")
    if serial:
        line += f", overhead {(seconds - cells) / max(notebooks, 1):5.1f} s per notebook"
    print(line, flush=True)


def timing(executed):
    """(notebooks executed, their cells' seconds) of executed notebook files."""
    return len(executed), sum(cell_seconds(path) for path in executed)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--notebooks", help="only these notebooks, comma-separated (default: all five)")
    parser.add_argument("--data-dir", default=os.path.join(REPO, "data"))
    parser.add_argument("--otter-venv", default=os.path.join(tempfile.gettempdir(), "gradekit-otter-venv"))
    args = parser.parse_args()
    assignment = course.load("assignment1")
    notebooks = args.notebooks.split(",") if args.notebooks else list(assignment.notebooks)
    data_dir = os.path.abspath(args.data_dir)
    with tempfile.TemporaryDirectory(prefix="class-throughput-") as work:
        entries = class_generator.write(assignment, os.path.join(work, "class"), args.size, args.seed,
                                        check.manifest(assignment))
        submissions = [os.path.join(work, "class", e["student_id"]) for e in entries]
        print(f"class of {args.size} (seed {args.seed}), notebooks {','.join(notebooks)}, {os.cpu_count()} cores; "
              f"recipes: {json.dumps([e['bugs'] + e['missing'] + e['failing'] or [e['kind']] for e in entries])}",
              flush=True)
        one = run_gradekit(submissions, os.path.join(work, "jobs1"), notebooks, data_dir, 1, ["--notebooks-at-once", "1"])
        report("gradekit --jobs 1 (1 notebook at a time)", one[0], *timing(one[1]), args.size, serial=True)
        two = run_gradekit(submissions, os.path.join(work, "jobs2"), notebooks, data_dir, 2)
        report("gradekit --jobs 2", two[0], *timing(two[1]), args.size, serial=False)
        nbgrader = run_nbgrader(assignment, submissions, work, notebooks, data_dir)
        report("nbgrader autograde", nbgrader[0], *timing(nbgrader[1]), args.size, serial=True)
        otter = run_otter(submissions, work, notebooks, data_dir, args.otter_venv)
        if isinstance(otter, str):
            print(f"  otter-grader: not measured: {otter}")
        else:
            report("otter run (cells: as nbgrader timed them)", otter[0], otter[1], timing(nbgrader[1])[1],
                   args.size, serial=True)
        print(f"  speedup of 2 gradekit workers over 1: {one[0] / two[0]:.2f}x; "
              f"gradekit --jobs 2 against nbgrader: {nbgrader[0] / two[0]:.2f}x the submissions per hour")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
