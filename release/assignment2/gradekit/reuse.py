"""Reusing a notebook's execution when nothing it depends on has changed.

Regrading a batch after fixing an autograder check, or grading many variants of one submission
(the mutant suite), need not execute again a notebook whose inputs are the same. A notebook's
inputs are: its own bytes, the grader's parameters (except where artefacts go), every file of the
submission that is neither a notebook nor a Python module, and the Python modules of the
submission that the kernel had imported when the notebook finished. The last set is only known
after a run, so a traced run appends one cell that lists the kernel's modules; the cell is removed
from the kept notebook.

Only notebooks that ran to the end are stored. The data folder is identified by its path, so a
store must not outlive a change of the data in place. Entries are written to a temporary folder
and renamed, so several graders (Dask workers) can share one store.
"""
import hashlib
import json
import os
import shutil
import tempfile

import nbformat

VERSION = "gradekit-execution-1"
TRACE_TAG = "gradekit-module-trace"
TRACE_MARK = "GRADEKIT-MODULES "
TRACE_SOURCE = (
    "import sys as _gradekit_sys, json as _gradekit_json\n"
    "print(" + repr(TRACE_MARK) + " + _gradekit_json.dumps(sorted({getattr(m, '__file__', None) or ''\n"
    "      for m in list(_gradekit_sys.modules.values())})))"
)


class Store:
    """Executed notebooks and the artefacts they wrote, keyed by everything they depend on."""

    def __init__(self, folder, submission_root):
        self.folder = os.path.abspath(folder)
        self.root = os.path.realpath(submission_root)

    def restore(self, name, parameters, notebook_out, artifacts_dir):
        """Put a stored run of `name` in place and return its report, or None if there is none."""
        group = os.path.join(self.folder, self.group_key(name, parameters))
        if not os.path.isdir(group):
            return None
        for entry in sorted(os.listdir(group)):
            stored = os.path.join(group, entry)
            modules = read_json(os.path.join(stored, "modules.json"))
            if modules is None or entry != self.entry_key(modules):
                continue
            shutil.copyfile(os.path.join(stored, "notebook.ipynb"), notebook_out)
            copy_tree(os.path.join(stored, "artifacts"), artifacts_dir)
            report = read_json(os.path.join(stored, "report.json"))
            return dict(report, reused=True)
        return None

    def save(self, name, parameters, notebook_out, artifacts_written, artifacts_dir, modules, report):
        """Store a finished run (its kept notebook, the artefacts it wrote, its report)."""
        group = os.path.join(self.folder, self.group_key(name, parameters))
        final = os.path.join(group, self.entry_key(modules))
        if os.path.isdir(final):
            return
        os.makedirs(group, exist_ok=True)
        staging = tempfile.mkdtemp(dir=group, prefix=".staging-")
        shutil.copyfile(notebook_out, os.path.join(staging, "notebook.ipynb"))
        for rel in artifacts_written:
            target = os.path.join(staging, "artifacts", rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.join(artifacts_dir, rel), target)
        write_json(os.path.join(staging, "modules.json"), modules)
        write_json(os.path.join(staging, "report.json"), report)
        try:
            os.rename(staging, final)
        except OSError:  # another grader stored the same run first
            shutil.rmtree(staging, ignore_errors=True)

    def group_key(self, name, parameters):
        """The notebook, the parameters and the submission's data files (not its .py/.ipynb)."""
        digest = hashlib.sha256(VERSION.encode())
        settings = {k: v for k, v in parameters.items() if k != "artifacts_dir"}
        digest.update(json.dumps([name, settings], sort_keys=True).encode())
        digest.update(file_digest(os.path.join(self.root, f"{name}.ipynb")).encode())
        for rel in self.files(lambda rel: not rel.endswith((".py", ".ipynb"))):
            digest.update(f"{rel}\0{file_digest(os.path.join(self.root, rel))}\0".encode())
        return digest.hexdigest()[:32]

    def entry_key(self, modules):
        """The contents of the submission's modules that the kernel imported."""
        digest = hashlib.sha256()
        for rel in modules:
            path = os.path.join(self.root, rel)
            content = file_digest(path) if os.path.isfile(path) else "absent"
            digest.update(f"{rel}\0{content}\0".encode())
        return digest.hexdigest()[:32]

    def files(self, keep):
        found = []
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for filename in sorted(names):
                rel = os.path.relpath(os.path.join(folder, filename), self.root)
                if keep(rel):
                    found.append(rel)
        return found


def traced_copy(path, folder):
    """A copy of the notebook at `path`, in `folder`, with the module-trace cell appended."""
    notebook = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(TRACE_SOURCE)
    cell.metadata["tags"] = [TRACE_TAG]
    notebook.cells.append(cell)
    copy = os.path.join(folder, os.path.basename(path))
    nbformat.write(notebook, copy)
    return copy


def take_trace(executed_path, execution_root, submission_root):
    """Remove the trace cell from the executed notebook; the submission modules it lists.

    Module paths are reported relative to the execution folder (where the kernel ran) and only
    those that exist in the submission count. None when the trace is missing.
    """
    notebook = nbformat.read(executed_path, as_version=4)
    traced = [c for c in notebook.cells if TRACE_TAG in c.metadata.get("tags", [])]
    notebook.cells = [c for c in notebook.cells if TRACE_TAG not in c.metadata.get("tags", [])]
    nbformat.write(notebook, executed_path)
    text = "".join(o.get("text", "") for c in traced for o in c.get("outputs", []))
    line = next((ln for ln in text.splitlines() if ln.startswith(TRACE_MARK)), None)
    if line is None:
        return None
    run_root = os.path.realpath(execution_root)
    modules = []
    for path in json.loads(line[len(TRACE_MARK):]):
        real = os.path.realpath(path) if path else ""
        if real.startswith(run_root + os.sep) and real.endswith(".py"):
            rel = os.path.relpath(real, run_root)
            if os.path.isfile(os.path.join(submission_root, rel)):
                modules.append(rel)
    return sorted(set(modules))


def snapshot(folder):
    """{relative path: (size, mtime)} of the files under `folder`."""
    state = {}
    for base, _, names in os.walk(folder):
        for filename in names:
            path = os.path.join(base, filename)
            stat = os.stat(path)
            state[os.path.relpath(path, folder)] = (stat.st_size, stat.st_mtime_ns)
    return state


def written_since(before, folder):
    """Files under `folder` that are new or changed since the snapshot `before`."""
    after = snapshot(folder) if os.path.isdir(folder) else {}
    return sorted(rel for rel, state in after.items() if before.get(rel) != state)


def file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def copy_tree(source, dest):
    if os.path.isdir(source):
        shutil.copytree(source, dest, dirs_exist_ok=True)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1, sort_keys=True)
