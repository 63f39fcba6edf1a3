"""Grading on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on 127.0.0.1,
driven by `gradekit grade --scheduler` as an instructor runs it. The batch is assignment 1's kNN
notebook only: the reference (20-40 s), the untouched release and a copy of it (both fail fast)."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from gradekit.authoring import reference
from gradekit.pipeline import report

pytestmark = pytest.mark.e2e

DASK = os.path.join(os.path.dirname(sys.executable), "dask")
GRADEKIT = os.path.join(os.path.dirname(sys.executable), "gradekit")
STARTUP = 60  # seconds for the scheduler and workers to come up


@pytest.fixture(scope="module")
def submissions(assignment1, tmp_path_factory):
    """{student_id: path}: the reference, the untouched release and a copy of it under another name."""
    work = tmp_path_factory.mktemp("cluster-submissions")
    late = shutil.copytree(assignment1.release, work / "late_release")
    return {"reference": reference.write(assignment1, str(work / "reference")),
            "assignment1": assignment1.release, "late_release": str(late)}


def start_cluster(folder, request, allowed_failures=3):
    """A scheduler and two one-thread workers without nannies (each worker is the process started
    here); returns (address, {worker address: pid}). Every process is killed when the test ends."""
    from dask.distributed import Client

    scheduler_file = os.path.join(folder, "scheduler.json")
    env = dict(os.environ, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=str(allowed_failures))
    logs = open(os.path.join(folder, "cluster.log"), "w")
    request.addfinalizer(logs.close)

    def start(*args):
        process = subprocess.Popen([DASK, *args], env=env, cwd=folder, stdout=logs, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        request.addfinalizer(lambda: stop(process))
        return process

    start("scheduler", "--scheduler-file", scheduler_file, "--host", "127.0.0.1", "--port", "0", "--no-dashboard")
    deadline = time.monotonic() + STARTUP
    while not os.path.exists(scheduler_file) and time.monotonic() < deadline:
        time.sleep(0.2)
    for _ in range(2):
        start("worker", "--scheduler-file", scheduler_file, "--host", "127.0.0.1", "--nworkers", "1",
              "--nthreads", "1", "--no-nanny", "--no-dashboard")
    with Client(scheduler_file=scheduler_file, timeout=STARTUP) as client:
        client.wait_for_workers(2, timeout=STARTUP)
        return client.scheduler.address, client.run(os.getpid)


def stop(process):
    """Kill `process` and everything it started (its own session), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def grade_command(paths, out, *options):
    return [GRADEKIT, "grade", "assignment1", *paths, "--notebooks", "knn", "--out", str(out),
            "--grading-seed", "12345", "--call-timeout", "20", "--quiet", *options]


def grades(out):
    """{student_id: (status, score, {test id: status})} of every result in `out`."""
    return {r["student_id"]: (r["status"], r["score"], {t["id"]: t["status"] for t in r["tests"]})
            for r in report.load_results(str(out))}


def scores(out):
    """{student_id: (status, score)} of every result in `out`."""
    return {s: (status, score) for s, (status, score, _) in grades(out).items()}


def result_text(out, student):
    with open(os.path.join(out, student, "result.json")) as f:
        return f.read()


def gradebook_students(out):
    with open(os.path.join(out, "gradebook.csv"), newline="") as f:
        return sorted(row["student_id"] for row in csv.DictReader(f))


def test_a_batch_graded_on_a_cluster_scores_as_it_does_locally(tmp_path, request, submissions, data_dir,
                                                               assignment1):
    """The local grading reuses the notebooks the cluster executed (one kNN run, not two) and runs
    every check again."""
    address, _ = start_cluster(str(tmp_path), request)
    paths, store = list(submissions.values()), str(tmp_path / "executions")
    on_cluster = subprocess.run(grade_command(paths, tmp_path / "cluster", "--scheduler", address, "--data-dir",
                                              data_dir, "--reuse-executions", store), capture_output=True, text=True)
    assert on_cluster.returncode == 0, on_cluster.stderr[-2000:]
    locally = subprocess.run(grade_command(paths, tmp_path / "local", "--data-dir", data_dir,
                                           "--reuse-executions", store), capture_output=True, text=True)
    assert locally.returncode == 0, locally.stderr[-2000:]

    assert grades(tmp_path / "cluster") == grades(tmp_path / "local")
    assert scores(tmp_path / "cluster") == {"reference": ("graded", assignment1.points["knn"]),
                                            "assignment1": ("graded", 0), "late_release": ("graded", 0)}


def kill_the_worker_grading(student, address, pids, out, after=()):
    """SIGKILL the worker whose task grades `student`, once it has begun (its folder exists) and the
    results of the students `after` are written; returns those results as they were before."""
    from dask.distributed import Client

    deadline = time.monotonic() + 300
    with Client(address, timeout=STARTUP) as client:
        while True:
            assert time.monotonic() < deadline, f"{student} never started grading beside {after}"
            busy = [w for w, keys in client.processing().items() if f"grade-{student}" in keys]
            written = all(os.path.exists(os.path.join(out, s, "result.json")) for s in after)
            if busy and written and os.path.isdir(os.path.join(out, student)):
                break
            time.sleep(0.5)
    time.sleep(2)  # well into the grading: its sandbox and kernel are running
    kept = {s: result_text(out, s) for s in after}
    os.kill(pids[busy[0]], signal.SIGKILL)
    return kept


def start_grading(submissions, out, address, data_dir, request):
    """`gradekit grade` of `submissions` on the cluster at `address`, in the background (killed when the test ends)."""
    batch = subprocess.Popen(grade_command(list(submissions.values()), out, "--scheduler", address,
                                           "--data-dir", data_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
    request.addfinalizer(lambda: stop(batch))
    return batch


def test_a_submission_whose_worker_is_killed_is_graded_again_on_the_other(tmp_path, request, submissions,
                                                                        data_dir, assignment1):
    address, pids = start_cluster(str(tmp_path), request)
    batch = start_grading(submissions, tmp_path / "out", address, data_dir, request)
    kill_the_worker_grading("reference", address, pids, str(tmp_path / "out"))
    _, stderr = batch.communicate(timeout=900)

    assert batch.returncode == 0, stderr[-2000:]
    assert scores(tmp_path / "out") == {"reference": ("graded", assignment1.points["knn"]),
                                        "assignment1": ("graded", 0), "late_release": ("graded", 0)}
    assert gradebook_students(tmp_path / "out") == sorted(submissions)


def test_a_submission_whose_worker_dies_past_the_allowed_failures_is_failed_and_the_others_kept(
        tmp_path, request, submissions, data_dir):
    address, pids = start_cluster(str(tmp_path), request, allowed_failures=0)
    out = str(tmp_path / "out")
    batch = start_grading(submissions, out, address, data_dir, request)
    kept = kill_the_worker_grading("reference", address, pids, out, after=("assignment1", "late_release"))
    _, stderr = batch.communicate(timeout=900)

    assert batch.returncode == 1, stderr[-2000:]  # a submission could not be graded
    lost = json.loads(result_text(out, "reference"))
    assert (lost["status"], lost["score"]) == ("failed", 0)
    assert lost["error"].startswith("grading reference was lost: a Dask worker died while grading it, at 1 try")
    assert "\n" not in lost["error"]
    assert {s: result_text(out, s) for s in kept} == kept
    assert gradebook_students(out) == sorted(submissions)
