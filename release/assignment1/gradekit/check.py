"""Stage 3: run the assignment's pytest autograder against one executed submission.

pytest runs in its own process, which imports the autograder and the reference solution but never
the student's code: that is reached only through the worker the `student` fixture starts.
"""
import json
import os
import subprocess
import sys

CHECK_TIMEOUT = 1800


def pytest_command(assignment, *options, paths=None):
    """pytest on the assignment's autograder (or only on `paths`, test files inside it)."""
    return [sys.executable, "-m", "pytest", *(paths or [assignment.autograder]), "-q", "-p", "no:cacheprovider",
            "--import-mode=importlib", f"--rootdir={assignment.autograder}", *options]


def manifest(assignment):
    """Every autograder test with its notebook and points (from pytest's collection), written to a
    private temporary folder: graders running at once in one checkout never share the file."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gradekit-manifest-") as folder:
        path = os.path.join(folder, "manifest.json")
        completed = run(pytest_command(assignment, "--collect-only", f"--manifest-json={path}"), timeout=300)
        if not os.path.exists(path):
            raise CheckError(f"the autograder's tests could not be collected (exit {completed.returncode}): "
                             f"{(completed.stdout + completed.stderr)[-1500:]}")
        with open(path) as f:
            return json.load(f)["tests"]


def check(assignment, root, artifacts_dir, execution_json, results_json, data_dir,
          seed=None, call_timeout=120.0, log_path=None, paths=None, spec=None):
    """Run the checks (all, or those of the test files `paths`); returns the per-test outcomes
    (or raises CheckError with pytest's output). With `spec` (a `sandbox.Spec`) the worker that
    runs the student's code is sandboxed; pytest itself, which scores, never runs it."""
    options = [f"--submission={root}", f"--artifacts-dir={artifacts_dir}",
               f"--execution-json={execution_json}", f"--reference={assignment.solutions}",
               f"--results-json={results_json}", f"--call-timeout={call_timeout}", "--tb=line"]
    if data_dir:
        options.append(f"--data-dir={os.path.abspath(data_dir)}")
    if seed is not None:
        options.append(f"--grading-seed={seed}")
    if spec is not None:
        options.append(f"--sandbox={spec.to_json()}")
    if os.path.exists(results_json):
        os.remove(results_json)
    completed = run(pytest_command(assignment, *options, paths=paths), timeout=CHECK_TIMEOUT)
    if log_path:
        with open(log_path, "w") as f:
            f.write(completed.stdout + completed.stderr)
    if not os.path.exists(results_json):
        raise CheckError(f"the autograder did not finish (exit {completed.returncode}): "
                         f"{(completed.stdout + completed.stderr)[-1500:]}")
    with open(results_json) as f:
        return json.load(f)


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)


class CheckError(Exception):
    """The autograder itself could not run to the end."""


def run(command, timeout):
    env = dict(os.environ, PYTHONPATH=_gradekit_parent(), PYTHONDONTWRITEBYTECODE="1")
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=_gradekit_parent())
    except subprocess.TimeoutExpired as exc:
        raise CheckError(f"the autograder did not finish within {timeout} s") from exc


def _gradekit_parent():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
