"""One submission through every stage, and a batch of them (locally or on a Dask cluster).

    unpack -> execute -> check -> score -> report

Each submission's result is written as soon as it is graded and the gradebook is rebuilt from
every result in the output folder, so an interrupted batch loses nothing already graded.
"""
import contextlib
import dataclasses
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from gradekit import check, datasets, execute, report, reuse, score, unpack
from gradekit.course import Assignment


@dataclass
class Options:
    assignment: Assignment
    out_root: str
    data_dir: str = "data"
    cell_timeout: float = execute.DEFAULT_CELL_TIMEOUT
    call_timeout: float = 120.0
    seed: int = 231
    grading_seed: int | None = None
    threads: int | None = None  # BLAS threads for each submission's processes (None: numpy's default)
    reuse_dir: str | None = None  # a reuse.Store folder: unchanged notebooks are not executed again


def grade_one(path, options, manifest, student=None):
    """Grade one submission; never raises: every problem ends up in the result's messages."""
    assignment = options.assignment
    student = student or unpack.student_id(path)
    out_dir = os.path.join(options.out_root, student)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    timings, execution, outcomes, failure = {}, {}, [], None
    scratch = tempfile.mkdtemp(prefix=f"gradekit-{student}-")
    try:
        started = time.monotonic()
        root = unpack.unpack(path, os.path.join(scratch, "submission"), assignment)
        runs = shutil.copytree(root, os.path.join(scratch, "execution"))
        timings["unpack"] = time.monotonic() - started

        started = time.monotonic()
        store = reuse.Store(options.reuse_dir, root) if options.reuse_dir else None
        with thread_limit(options.threads):
            execution = execute.execute_all(runs, assignment.notebooks, os.path.join(out_dir, "notebooks"),
                                            parameters(options, out_dir), options.cell_timeout, store)
        timings["execute"] = time.monotonic() - started
        report_json = os.path.join(out_dir, "execution.json")
        check.write_json(report_json, execution)

        started = time.monotonic()
        with thread_limit(options.threads):
            checked = check.check(assignment, root, os.path.join(out_dir, "artifacts"), report_json,
                                  os.path.join(out_dir, "checks.json"), options.data_dir,
                                  seed=options.grading_seed, call_timeout=options.call_timeout,
                                  log_path=os.path.join(out_dir, "checks.log"))
        outcomes = checked["tests"]
        timings["check"] = time.monotonic() - started
    except unpack.SubmissionError as exc:
        failure = str(exc)
    except check.CheckError as exc:
        failure = f"the autograder could not finish: {exc}"
    except Exception as exc:  # noqa: BLE001 - one broken submission must not stop the batch
        failure = f"grading failed: {type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result = score.score(assignment, manifest, outcomes, execution, failure)
    result.update(assignment=assignment.name, student_id=student, timestamp=submitted_at(path),
                  status="graded" if failure is None else "failed", error=failure,
                  timings={k: round(v, 2) for k, v in timings.items()})
    report.write_result(out_dir, result)
    return result


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def thread_limit(threads):
    """Cap the BLAS and torch threads of the kernels and checks started inside (parallel grading),
    then restore the environment: a batch graded in this process must not leave its limit on
    whatever this process runs next."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    if threads:
        os.environ.update({name: str(threads) for name in THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def parameters(options, out_dir):
    """What papermill injects into every notebook."""
    return {
        **datasets.parameters(options.data_dir, options.assignment.data),
        "artifacts_dir": os.path.abspath(os.path.join(out_dir, "artifacts")),
        "seed": options.seed,
        "grading": True,
    }


def submitted_at(path):
    try:
        return datetime.fromtimestamp(os.path.getmtime(path), timezone.utc).isoformat(timespec="seconds")
    except OSError:
        return ""


def student_ids(paths):
    """A unique student_id per submission (a repeated name gets -2, -3, ...)."""
    seen, ids = {}, []
    for path in paths:
        base = unpack.student_id(path)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def grade_all(paths, options, jobs=1, scheduler=None, progress=True):
    """Grade every submission; results come back in the order given, the gradebook on disk."""
    from tqdm import tqdm

    manifest = check.manifest(options.assignment)
    os.makedirs(options.out_root, exist_ok=True)
    ids = student_ids(paths)
    bar = tqdm(total=len(paths), desc=f"grading {options.assignment.name}", unit="submission",
               disable=not progress)
    results = {}
    for student, result in run_tasks(paths, ids, options, manifest, jobs, scheduler):
        results[student] = result
        report.write_gradebook(options.out_root, options.assignment.notebooks)
        bar.set_postfix_str(f"{student}: {result['score']:g}/{result['max_score']:g}")
        bar.update()
    bar.close()
    return [results[s] for s in ids]


def run_tasks(paths, ids, options, manifest, jobs, scheduler):
    """Yield (student_id, result) as submissions finish: in this process, or through Dask."""
    if scheduler is None and jobs > 1 and options.threads is None:
        options = dataclasses.replace(options, threads=max(1, (os.cpu_count() or 1) // jobs))
    if scheduler is None and jobs <= 1:
        for path, student in zip(paths, ids):
            yield student, grade_one(path, options, manifest, student)
        return
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None if scheduler else LocalCluster(n_workers=jobs, threads_per_worker=1,
                                                 processes=True, dashboard_address=None)
    with Client(scheduler or cluster) as client:
        futures = {client.submit(grade_one, os.path.abspath(path), options, manifest, student,
                                 key=f"grade-{student}", pure=False): student
                   for path, student in zip(paths, ids)}
        for future in as_completed(futures):
            yield futures[future], future.result()
    if cluster is not None:
        cluster.close()
