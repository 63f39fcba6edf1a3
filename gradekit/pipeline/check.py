"""Stage 3: run the assignment's pytest autograder against one executed submission.

pytest runs in its own process, which imports the autograder and the reference solution but never
the student's code: that is reached only through the worker the `student` fixture starts.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from gradekit.pipeline import score
from gradekit.sandbox import thread_env

CHECK_TIMEOUT = 1800
"""Seconds the checks of one submission may take besides their student calls' time limits."""
MAX_CHECK_TIMEOUT = 4 * 3600
"""The most any checks' process is given (a sandbox's own wall clock)."""
COLLECT_TIMEOUT = 300
"""Seconds pytest may take to start and collect the tests, before the checks' budget starts."""
INTERRUPT_GRACE = 30
"""Seconds an interrupted pytest has to stop its workers and exit before it is killed."""


def budget(tests, call_timeout):
    """The checks' time budget: CHECK_TIMEOUT plus one call timeout per test, so that a call that
    hangs until its time limit costs only its own check, never the others' time; at most
    MAX_CHECK_TIMEOUT."""
    return min(MAX_CHECK_TIMEOUT, CHECK_TIMEOUT + tests * call_timeout)


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
          seed=None, call_timeout=120.0, log_path=None, paths=None, spec=None, threads=None, student_data=None):
    """Run the checks (all, or those of the test files `paths`); returns the per-test outcomes,
    also written to `results_json`, or raises CheckError with pytest's output when no test could
    be collected. With `spec` (a `sandbox.Spec`) the worker that runs the student's code is
    sandboxed; pytest itself, which scores, never runs it.

    The checks' pytest gets these settings in one file, `run-spec.json` beside `results_json` (in
    the output folder, which no sandbox mounts; `run_spec`). They get `budget(tests, call_timeout)`
    seconds once collected. Each test's outcome is appended to a JSON lines file beside
    `results_json` as it finishes, so a run stopped at its budget (or ended early) keeps every
    outcome it reached; the tests it did not reach get `score.did_not_run` with the reason.
    `threads`: the BLAS and torch threads of the checks' processes (None: what this process's
    environment says). `student_data`: {dataset: folder} the student's code reads
    (`gradekit.data.student_data.folders`; default: the folders in `data_dir`)."""
    progress = os.path.splitext(results_json)[0] + ".jsonl"
    run_spec_json = os.path.join(os.path.dirname(os.path.abspath(results_json)), "run-spec.json")
    for path in (results_json, progress):
        if os.path.exists(path):
            os.remove(path)
    write_json(run_spec_json, run_spec(assignment, root, artifacts_dir, execution_json, progress, data_dir,
                                  seed, call_timeout, spec, student_data))
    ended = run_checks(pytest_command(assignment, f"--run-spec={run_spec_json}", "--tb=line", paths=paths), progress,
                       call_timeout, threads)
    if log_path:
        with open(log_path, "w") as f:
            f.write(ended.output)
            if ended.ran_out:
                f.write(f"\ngradekit: the checks' time budget ({ended.limit:g} s) ran out; stopped\n")
    header, finished = read_outcomes(progress)
    if header is None:
        if ended.ran_out:
            raise CheckError(f"the autograder's tests were not collected within {COLLECT_TIMEOUT} s")
        raise CheckError(f"the autograder did not finish (exit {ended.returncode}): {ended.output[-1500:]}")
    if ended.ran_out:
        why = f"the checks' time budget ({ended.limit:g} s) ran out"
    else:
        last = next((line.strip() for line in reversed(ended.output.splitlines()) if line.strip()), "")
        why = f"the checks ended before it ran (exit {ended.returncode}{': ' + last[-300:] if last else ''})"
    tests = [finished.get(item["id"]) or score.did_not_run(item, why) for item in header["collected"]]
    results = {"tests": tests, "grading_seed": header["grading_seed"], "time_budget": ended.limit,
               "ran_out": ended.ran_out}
    write_json(results_json, results)
    return results


def run_spec(assignment, root, artifacts_dir, execution_json, progress, data_dir, seed, call_timeout, spec,
             student_data):
    """The settings of one run of the checks, as the plugin reads them (`--run-spec`, `plugin.RUN_SPEC`)."""
    return {"submission": root, "artifacts_dir": artifacts_dir, "execution_json": execution_json,
            "reference": assignment.solutions, "outcomes_jsonl": progress, "call_timeout": float(call_timeout),
            "data_dir": os.path.abspath(data_dir) if data_dir else None, "grading_seed": seed,
            "sandbox": spec.to_dict() if spec is not None else None, "student_data": student_data or None}


def read_outcomes(path):
    """(the first line: collected tests and seed, {test id: outcome}) of a JSON lines file the
    plugin appends to; (None, {}) without its first line. A last line cut short by a kill is
    left out."""
    header, finished = None, {}
    if not os.path.exists(path):
        return header, finished
    with open(path) as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if "collected" in record:
                header = record
            elif "id" in record:
                finished[record["id"]] = record
    return header, finished


class Ended:
    """How a checks' process ended: its exit code and output, its budget and whether it ran out."""

    def __init__(self, returncode, output, limit, ran_out):
        self.returncode, self.output, self.limit, self.ran_out = returncode, output, limit, ran_out


def run_checks(command, progress, call_timeout, threads=None, poll=0.5):
    """Run pytest until it exits or its time is up: COLLECT_TIMEOUT until the first line of
    `progress` names the tests collected, then `budget(tests, call_timeout)` from then on. At
    the deadline it is interrupted (SIGINT: pytest stops the test running and its fixtures close
    their workers), then killed INTERRUPT_GRACE seconds later if still there."""
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True, env=_env(threads),
                                   cwd=_gradekit_parent(), start_new_session=True)
        deadline, limit, ran_out = time.monotonic() + COLLECT_TIMEOUT, COLLECT_TIMEOUT, False
        counted = False
        while process.poll() is None:
            if not counted:
                header = read_header(progress)
                if header is not None:
                    counted, limit = True, budget(len(header["collected"]), call_timeout)
                    deadline = time.monotonic() + limit
            if time.monotonic() >= deadline:
                ran_out = True
                _stop(process)
                break
            try:
                process.wait(timeout=poll)
            except subprocess.TimeoutExpired:
                pass
        out.seek(0)
        return Ended(process.returncode, out.read(), limit, ran_out)


def read_header(path):
    """The first line of a progress file (the tests collected), once it is complete; else None."""
    try:
        with open(path) as f:
            line = f.readline()
    except FileNotFoundError:
        return None
    return json.loads(line) if line.endswith("\n") else None


def _stop(process):
    """Interrupt pytest's process group, then kill it if it has not ended after the grace."""
    for sig, wait in ((signal.SIGINT, INTERRUPT_GRACE), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def write_json(path, value):
    """Write `value` as JSON to `path`, making its folder if needed."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=1)


class CheckError(Exception):
    """The autograder itself could not run to the end."""


def run(command, timeout):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=_env(),
                              cwd=_gradekit_parent())
    except subprocess.TimeoutExpired as exc:
        raise CheckError(f"the autograder did not finish within {timeout} s") from exc


def _env(threads=None):
    return dict(os.environ, PYTHONPATH=_gradekit_parent(), PYTHONDONTWRITEBYTECODE="1", **thread_env(threads))


def _gradekit_parent():
    import gradekit

    return os.path.dirname(os.path.dirname(os.path.abspath(gradekit.__file__)))
