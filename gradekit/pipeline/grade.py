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

from gradekit import sandbox
from gradekit.pipeline import check, class_report, execute, feedback, report, reuse, score, unpack
from gradekit.data import student_data
from gradekit.course import Assignment
from gradekit.sandbox import Limits


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
    sandbox: bool = True  # student code in a bubblewrap sandbox (False: --no-sandbox, recorded in results)
    limits: Limits = dataclasses.field(default_factory=Limits)
    notebooks: tuple | None = None  # grade only these notebooks (None: all of the assignment's)
    notebooks_at_once: int | None = None  # a submission's notebooks run side by side (None: one per core it has)
    feedback_hidden: str = "summary"  # what feedback.html shows of hidden checks (disclosure.HIDDEN_MODES)
    gradebook_extras: report.Extras | None = None  # roster ids and nbgrader manual points (--roster, --nbgrader-db)

    def graded(self):
        """The assignment as graded: restricted to `notebooks` when some are chosen."""
        chosen = self.notebooks or self.assignment.notebooks
        unknown = sorted(set(chosen) - set(self.assignment.notebooks))
        if unknown:
            raise ValueError(f"{self.assignment.name} has no notebook {', '.join(unknown)} "
                             f"(it has {', '.join(self.assignment.notebooks)})")
        return dataclasses.replace(self.assignment, notebooks=tuple(n for n in self.assignment.notebooks if n in chosen),
                                   points={n: p for n, p in self.assignment.points.items() if n in chosen})


def grade_one(path, options, manifest, student):
    """Grade one submission; never raises: every problem ends up in the result's messages. Student
    code runs only in sandboxes whose every process is dead before the result is written."""
    assignment = options.graded()
    unpack.check_student_id(student)  # never a path outside out_root, whoever calls
    out_dir = os.path.join(options.out_root, student)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    timings, execution, outcomes, failure, warnings = {}, {}, [], None, []
    scratch = tempfile.mkdtemp(prefix="gradekit-")
    try:
        lanes = notebook_lanes(options, len(assignment.notebooks))
        data = student_data.folders(options.data_dir, options.assignment.data)
        with sandbox_slots(options, lanes, data) as specs:
            spec = specs[0]  # the checks' sandbox
            started = time.monotonic()
            root = unpack.unpack(path, os.path.join(scratch, "submission"), assignment)
            if spec is not None:
                sandbox.give(scratch, spec.uid)
            timings["unpack"] = time.monotonic() - started

            started = time.monotonic()
            store = reuse.Store(options.reuse_dir) if options.reuse_dir else None
            execution, folders = execute.execute_all(root, assignment.notebooks, os.path.join(out_dir, "notebooks"),
                                                     parameters(options, data), os.path.join(scratch, "execution"),
                                                     options.cell_timeout, store, specs,
                                                     threads=lane_threads(options.threads, lanes))
            warnings = execute.collect_artifacts(folders, os.path.join(out_dir, "artifacts"))
            timings["execute"] = time.monotonic() - started
            report_json = os.path.join(out_dir, "execution.json")
            check.write_json(report_json, execution)

            started = time.monotonic()
            checked = check.check(assignment, root, os.path.join(out_dir, "artifacts"), report_json,
                                  os.path.join(out_dir, "checks.json"), options.data_dir,
                                  seed=options.grading_seed, call_timeout=options.call_timeout,
                                  log_path=os.path.join(out_dir, "checks.log"),
                                  paths=test_files(assignment, manifest), spec=spec, threads=options.threads,
                                  student_data=data)
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
    return write_result(path, options, manifest, student, outcomes, execution, failure, warnings, timings)


def write_result(path, options, manifest, student, outcomes, execution, failure, warnings, timings):
    """Score `student`'s outcomes and write its result.json and feedback.html (`failure`: why its
    grading did not finish, or None); returns the result."""
    assignment = options.graded()
    out_dir = os.path.join(options.out_root, student)
    result = score.score(assignment, of_notebooks(manifest, assignment), outcomes, execution, failure)
    result.update(assignment=assignment.name, student_id=student, timestamp=submitted_at(path),
                  status="graded" if failure is None else "failed", error=failure, warnings=warnings,
                  sandbox=options.sandbox, timings={k: round(v, 2) for k, v in timings.items()})
    report.write_result(out_dir, result)
    try:
        feedback.write_feedback(options.out_root, result, options.feedback_hidden)
    except Exception as exc:  # noqa: BLE001 - the grade is written; its page must not stop the batch
        result["warnings"].append(f"feedback.html could not be written: {type(exc).__name__}: {exc}")
        report.write_result(out_dir, result)
    return result


@contextlib.contextmanager
def sandbox_slots(options, lanes, data):
    """One sandbox Spec per lane of notebooks (each its own uid until the block ends), reading the
    data folders `data` (student_data.folders), or [None] * lanes with --no-sandbox."""
    if not options.sandbox:
        yield [None] * lanes
        return
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(sandbox.slot(readable=sorted(data.values()), limits=options.limits))
               for _ in range(lanes)]


def notebook_lanes(options, notebooks):
    """How many of a submission's notebooks run at a time: `notebooks_at_once`, by default one per
    core of the submission's share (`threads`, else the machine's), and never more than it has
    notebooks. Side by side, the a1 reference's notebooks take 0.65x the time of one at a time with
    both cores' threads (benchmarks/notebook_lanes.py): much of a notebook's time is single-threaded."""
    wanted = options.notebooks_at_once or options.threads or os.cpu_count() or 1
    return max(1, min(wanted, notebooks))


def lane_threads(threads, lanes):
    """Each lane's share of the submission's BLAS threads (None: the defaults, for a single lane)."""
    if lanes == 1:
        return threads
    return max(1, (threads or os.cpu_count() or 1) // lanes)


def of_notebooks(manifest, assignment):
    """The manifest's tests of the notebooks being graded."""
    return [t for t in manifest if t["notebook"] in assignment.notebooks]


def test_files(assignment, manifest):
    """The autograder's test files for the notebooks being graded (None: all of them)."""
    if set(assignment.notebooks) == {t["notebook"] for t in manifest}:
        return None
    files = sorted({t["id"].split("::")[0] for t in of_notebooks(manifest, assignment)})
    return [os.path.join(assignment.autograder, f) for f in files]


def parameters(options, data):
    """What papermill injects into every notebook (and the artefact folder, one per notebook): the
    data folders `data` as student_data.folders gives them (no held-out images), the seed and
    grading mode."""
    return {
        **student_data.parameters(data),
        "seed": options.seed,
        "grading": True,
    }


def submitted_at(path):
    try:
        return datetime.fromtimestamp(os.path.getmtime(path), timezone.utc).isoformat(timespec="seconds")
    except OSError:
        return ""


def student_ids(paths):
    """The student_id of each submission to grade, and the submissions refused before grading.

    Returns (ids, refused), two dicts in the order of `paths`: `ids` maps each path to grade to its
    student_id, `refused` each other path to a one-line reason (what `gradekit grade` prints): the
    path does not exist or cannot be read, its name is not a safe student_id (see
    unpack.student_id), or it gives the student_id of an earlier path (`alice/` and `alice.zip`;
    `Alice.zip` and `alice.zip` too, one folder on a case-insensitive disk). Such a second
    submission is refused, not renamed: a renamed one would be a gradebook row for a student who
    does not exist. One submission given twice (the same file or folder) is graded once.
    """
    ids, refused, owners, files = {}, {}, {}, set()
    for path in paths:
        try:
            info = unpack.check_readable(path)
            student = unpack.student_id(path)
        except unpack.SubmissionError as exc:
            refused[path] = str(exc)
            continue
        if (info.st_dev, info.st_ino) in files:
            continue
        key = unpack.id_key(student)
        if key in owners:
            refused[path] = (f"{unpack.shown(path)}: student id {student!r} is already that of "
                             f"{unpack.shown(owners[key])}: not graded (rename one of them)")
            continue
        owners[key] = path
        files.add((info.st_dev, info.st_ino))
        ids[path] = student
    return ids, refused


def grade_all(paths, options, jobs=1, scheduler=None, progress=True):
    """Grade every submission; results come back in the order given, the gradebook and the class
    report (report.html) on disk, rebuilt after each submission."""
    from tqdm import tqdm

    if options.sandbox and (why := sandbox.unavailable()):
        raise sandbox.SandboxError(f"cannot sandbox student code: {why}; grading without a sandbox "
                                   "(--no-sandbox) lets a submission forge its grade")
    graded = options.graded()
    manifest = check.manifest(options.assignment)
    os.makedirs(options.out_root, exist_ok=True)
    ids, _ = student_ids(paths)  # refused paths are the caller's to report (cli.submissions_to_grade)
    paths, students = list(ids), list(ids.values())
    bar = tqdm(total=len(paths), desc=f"grading {graded.name}", unit="submission", disable=not progress)
    results = {}
    for student, result in run_tasks(paths, students, options, manifest, jobs, scheduler):
        results[student] = result
        report.write_gradebook(options.out_root, graded.notebooks, options.gradebook_extras)
        class_report.write_report(options.out_root, graded.notebooks)  # 0.23 s for 500 results
        bar.set_postfix_str(f"{student}: {result['score']:g}/{result['max_score']:g}")
        bar.update()
    bar.close()
    return [results[s] for s in students]


def run_tasks(paths, ids, options, manifest, jobs, scheduler):
    """Yield (student_id, result) as submissions finish: in this process, or through Dask. Locally
    no more workers start than there are submissions, and each gets its share of the cores.

    Through Dask, a submission whose worker dies while grading it (killed, out of memory, its machine
    lost) is graded again from the start on another worker: the scheduler retries a task until
    `distributed.scheduler.allowed-failures` workers (3 by default) have died running it, then gives
    it up (KilledWorker). A submission given up, or whose task failed otherwise, gets a failed result
    (`lost_result`); the others go on, and results already written stay. The local cluster's nannies
    write Dask's worker settings (`distributed.nanny.pre-spawn-environ`: OMP_NUM_THREADS=1 and more)
    into this process's environment, where every later kernel would inherit them: the environment
    is put back as it was once the cluster has closed.
    """
    if scheduler is None:
        jobs = min(jobs, len(paths))
    if scheduler is None and jobs > 1 and options.threads is None:
        options = dataclasses.replace(options, threads=max(1, (os.cpu_count() or 1) // jobs))
    if scheduler is None and jobs <= 1:
        for path, student in zip(paths, ids):
            yield student, grade_one(path, options, manifest, student)
        return
    from dask.distributed import Client, LocalCluster, as_completed

    with contextlib.ExitStack() as stack:
        if scheduler is None:
            stack.enter_context(environment_kept())
            scheduler = stack.enter_context(LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                                         dashboard_address=None))
        client = stack.enter_context(Client(scheduler))
        futures = {client.submit(grade_one, os.path.abspath(path), options, manifest, student,
                                 key=f"grade-{student}", pure=False): (path, student)
                   for path, student in zip(paths, ids)}
        for future in as_completed(futures):
            path, student = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - one lost submission must not stop the batch
                result = lost_result(path, options, manifest, student, lost_message(student, exc))
            yield student, result


@contextlib.contextmanager
def environment_kept():
    """Run the block, then put back every variable of this process's environment it set, changed or removed."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        for name in set(os.environ) - set(saved):
            del os.environ[name]
        os.environ.update({name: value for name, value in saved.items() if os.environ.get(name) != value})


def lost_message(student, exc):
    """One line saying why the Dask task grading `student` gave no result."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        tries = exc.allowed_failures + 1
        return (f"grading {student} was lost: a Dask worker died while grading it, at {tries} "
                f"{'try' if tries == 1 else 'tries'} (the last on {exc.last_worker.address}); grade it again")
    return f"grading {student} was lost: {type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:300]}"


def lost_result(path, options, manifest, student, message):
    """A failed result for `student` whose grading was lost (`message` as its error, score 0),
    written in place of what the lost grading left."""
    out_dir = os.path.join(options.out_root, student)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    return write_result(path, options, manifest, student, [], {}, message, [], {})
