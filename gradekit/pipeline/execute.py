"""Stage 2: run every notebook of a submission with papermill, each in a fresh kernel.

The grader's parameters (data folder, artefact folder, seed, grading mode) are injected after the
notebook's `parameters` cell; every cell has a time limit. A notebook that is missing, corrupt,
raises, hangs or kills its kernel is reported with the file and cell, and the others still run.
Each notebook runs on a copy of the submission of its own, so notebooks can run side by side (one
sandbox uid per lane: closing a sandbox kills its uid's processes). The executed notebooks are
kept for the student and the instructor. With a `reuse.Store`, a notebook whose inputs are
unchanged since a stored run is not executed again. With a
`sandbox.Spec`, each kernel runs in a sandbox of its own that writes only `root` and the artefact
folder (`kernel.py`), and every process it started is killed when its notebook ends.
"""
import json
import os
import queue
import shutil
import stat
import tempfile
import time

import nbformat

from gradekit import sandbox
from gradekit.pipeline import reuse

DEFAULT_CELL_TIMEOUT = 600
MAX_ARTIFACT_FILES = 1000
MAX_ARTIFACT_BYTES = 1 << 30


def execute_all(root, notebooks, out_dir, parameters, scratch, cell_timeout=DEFAULT_CELL_TIMEOUT, store=None,
                specs=(None,), threads=None):
    """Execute `notebooks` of the submission in `root`, each on a copy of its own without the other
    notebooks and with an artefact folder of its own (under `scratch`), so that no notebook sees
    another one or what it wrote, whatever order they run in (and a stored run is reused when only
    another notebook changed); `len(specs)` run at a time, each in a sandbox of its lane's `sandbox.Spec`.
    Returns ({notebook: report}, [each notebook's artefact folder, in the order of `notebooks`])
    and writes the executed copies into `out_dir`."""
    from concurrent.futures import ThreadPoolExecutor

    lanes = queue.SimpleQueue()
    for spec in specs:
        lanes.put(spec)

    def run(name):
        spec = lanes.get()
        try:
            folder = os.path.join(scratch, name)
            others = {f"{other}.ipynb" for other in notebooks if other != name}
            copy = shutil.copytree(root, os.path.join(folder, "submission"), symlinks=True,
                                   ignore=lambda where, names: others & set(names) if where == root else ())
            artifacts = os.path.join(folder, "artifacts")
            os.makedirs(artifacts)
            if spec is not None:
                sandbox.give(folder, spec.uid)
            return execute_one(copy, name, out_dir, dict(parameters, artifacts_dir=artifacts), cell_timeout, store,
                               spec, threads)
        finally:
            lanes.put(spec)

    with ThreadPoolExecutor(max_workers=len(specs), thread_name_prefix="notebook") as pool:
        reports = dict(zip(notebooks, pool.map(run, notebooks)))
    return reports, [os.path.join(scratch, name, "artifacts") for name in notebooks]


def execute_one(root, name, out_dir, parameters, cell_timeout, store=None, spec=None, threads=None):
    """Run one notebook; the report says ok or what went wrong, naming the file and cell. `threads`
    caps the kernel's BLAS and torch threads (None: their defaults); this process's environment is
    never changed."""
    filename = f"{name}.ipynb"
    path = os.path.join(root, filename)
    started = time.monotonic()

    def report(status, message=""):
        return {"status": status, "message": message, "seconds": round(time.monotonic() - started, 2)}

    if not os.path.exists(path):
        return report("missing", f"{filename} is missing from the submission")
    problem = unreadable(path)
    if problem:
        return report("corrupt", f"{filename} is not a valid notebook: {problem}")
    os.makedirs(out_dir, exist_ok=True)
    output = os.path.join(out_dir, filename)
    artifacts = parameters.get("artifacts_dir") or os.path.join(root, "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    if store is None:
        return executed(path, output, parameters, root, cell_timeout, spec, threads, report)
    key = store.key(name, parameters, root)
    with store.claimed(key):
        if (restored := store.restore(key, output, artifacts)) is not None:
            return restored
        before = reuse.snapshot(artifacts)
        finished = executed(path, output, parameters, root, cell_timeout, spec, threads, report)
        if finished["status"] == "ok":
            store.save(key, output, reuse.written_since(before, artifacts), artifacts, finished)
        return finished


def executed(path, output, parameters, root, cell_timeout, spec, threads, report):
    """Run the notebook at `path` with papermill; `report(status, message)` of how it ended."""
    try:
        run_papermill(path, output, parameters, root, cell_timeout, spec, threads)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message in the report
        return report(*explain(exc, output, os.path.basename(path), cell_timeout))
    return report("ok")


def unreadable(path):
    """Why the file is not a notebook nbformat accepts, or None."""
    try:
        with open(path, encoding="utf-8") as f:
            json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return f"broken JSON ({exc})"
    try:
        nbformat.validate(nbformat.read(path, as_version=4))
    except Exception as exc:  # noqa: BLE001 - nbformat raises several kinds
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
    return None


def run_papermill(path, output, parameters, cwd, cell_timeout, spec=None, threads=None):
    """papermill on one notebook: in a sandbox of its own when `spec` is given (a `sandbox.Spec`),
    every process of which is killed before this returns; the sandbox's reason for stopping the
    kernel early, if any, is on the exception as `sandbox_reason`."""
    import papermill

    from gradekit.pipeline import kernel

    options = dict(parameters=parameters, kernel_name="python3", kernel_cwd=cwd, progress_bar=False, log_output=False,
                   execution_timeout=cell_timeout, start_timeout=120, engine_name=kernel.ENGINE,
                   output_limit=spec.limits.output_bytes if spec else 1 << 20)
    limit = sandbox.thread_env(threads)
    if spec is None:
        papermill.execute_notebook(path, output, kernel_env=dict(os.environ, **limit), **options)
        return
    runtime = tempfile.mkdtemp(prefix="gk-")  # short: it holds the kernel's Unix sockets
    box = sandbox.Sandbox(spec, writable=[cwd, parameters.get("artifacts_dir", cwd), runtime], cwd=cwd, env=limit)
    capture = sandbox.Capture(spec.limits.output_bytes)
    try:
        papermill.execute_notebook(path, output, km=kernel.kernel_manager(box, capture, runtime), **options)
    except Exception as exc:
        exc.sandbox_reason = box.why()
        raise
    finally:
        box.close()
        shutil.rmtree(runtime, ignore_errors=True)


def collect_artifacts(sources, dest):
    """Copy what the notebooks saved (their artefact folders `sources`, a later one's file replacing
    an earlier one's of the same name, as if they had run one after the other in one folder) into
    the output folder: regular files only (no links, no devices), at most MAX_ARTIFACT_FILES files
    and MAX_ARTIFACT_BYTES in all; returns what was left out, as messages."""
    found = {}
    for source in sources:
        for folder, _, files in os.walk(source):
            for name in files:
                path = os.path.join(folder, name)
                found[os.path.relpath(path, source)] = path
    left_out, count, total = [], 0, 0
    for rel, path in sorted(found.items()):
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            left_out.append(f"artifacts/{rel} is not a regular file (links are not read)")
        elif count >= MAX_ARTIFACT_FILES or total + info.st_size > MAX_ARTIFACT_BYTES:
            left_out.append(f"artifacts/{rel} is beyond the {MAX_ARTIFACT_FILES} files / "
                            f"{MAX_ARTIFACT_BYTES >> 20} MB kept of artefacts")
        else:
            count, total = count + 1, total + info.st_size
            target = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(path, target, follow_symlinks=False)
    return left_out


def explain(exc, output, filename, cell_timeout):
    """(status, message) for an execution failure, naming the student's cell."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        cell = student_cell_number(output, exc.cell_index)
        evalue = str(exc.evalue).strip().splitlines()[0][:400] if str(exc.evalue).strip() else ""
        return "error", f"{filename} cell {cell} ({first_line(exc.source)}) raised {exc.ename}: {evalue}"
    reason = getattr(exc, "sandbox_reason", "")
    if reason:
        cell, source = unfinished_cell(output)
        return "stopped", f"{filename} cell {cell} ({first_line(source)}) {reason}; the kernel was stopped"
    if isinstance(exc, CellTimeoutError):
        cell, source = unfinished_cell(output)
        return "timeout", f"{filename} cell {cell} ({first_line(source)}) exceeded the {cell_timeout:g} s time limit"
    if isinstance(exc, DeadKernelError):
        cell, source = unfinished_cell(output)
        return "crashed", f"{filename} cell {cell} ({first_line(source)}) killed the kernel (out of memory or a crash)"
    return "error", f"{filename} could not be executed: {type(exc).__name__}: {str(exc)[:400]}"


def student_cell_number(output, cell_index):
    """1-based number, in the student's own notebook, of the cell that raised.

    Papermill's output adds the injected-parameters cell and error banners; neither is counted.
    """
    try:
        cells = student_cells(nbformat.read(output, as_version=4).cells)
    except Exception:  # noqa: BLE001 - fall back to papermill's index
        return cell_index + 1
    raised = [i for i, c in enumerate(cells)
              if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    return raised[-1] + 1 if raised else cell_index + 1


def student_cells(cells):
    """The cells of an executed notebook that come from the student's notebook."""
    added = ("injected-parameters", "papermill-error-cell-tag")
    return [c for c in cells if not any(tag in c.metadata.get("tags", []) for tag in added)]


def unfinished_cell(output):
    """The last code cell papermill started, where it stopped: (1-based student cell number, source)."""
    try:
        cells = nbformat.read(output, as_version=4).cells
    except Exception:  # noqa: BLE001
        return "?", ""
    last = ("?", "")
    for i, cell in enumerate(student_cells(cells)):
        if cell.cell_type == "code" and cell.metadata.get("papermill", {}).get("start_time"):
            last = (i + 1, cell.source)
    return last


def first_line(source):
    lines = [line.strip() for line in (source or "").splitlines() if line.strip()]
    text = lines[0] if lines else "empty cell"
    return "`" + (text[:60] + "..." if len(text) > 60 else text) + "`"
