"""Reusing a notebook's execution when nothing it depends on has changed.

Regrading a batch after fixing an autograder check, or grading many variants of one submission
(the mutant suite), need not execute again a notebook whose inputs are the same. A notebook's
inputs are its name, the grader's parameters (except where artefacts go) and every file of the
submission, read by the grader before execution. Nothing the notebook prints or does decides the
key, and no guess of what it imports either (code can load any file by a computed name), so a
submission cannot make another one reuse its run: a stored run is restored only for a submission
whose every file is byte for byte the same (regrading after a fix to a check reuses everything).

Only notebooks that ran to the end are stored. The data folder is identified by its path, so a
store must not outlive a change of the data in place. Entries are written to a temporary folder
and renamed, so several graders (Dask workers) can share one store. Student code never sees the
store (it is not mounted in the sandbox).
"""
import hashlib
import json
import os
import shutil
import tempfile
from stat import S_ISREG


VERSION = "gradekit-execution-4"


class Store:
    """Executed notebooks and the artefacts they wrote, keyed by everything they depend on."""

    def __init__(self, folder, submission_root):
        self.folder = os.path.abspath(folder)
        self.root = os.path.realpath(submission_root)

    def restore(self, name, parameters, notebook_out, artifacts_dir):
        """Put a stored run of `name` in place and return its report, or None if there is none."""
        stored = os.path.join(self.folder, self.key(name, parameters))
        report = read_json(os.path.join(stored, "report.json"))
        if report is None:
            return None
        shutil.copyfile(os.path.join(stored, "notebook.ipynb"), notebook_out)
        copy_tree(os.path.join(stored, "artifacts"), artifacts_dir)
        return dict(report, reused=True)

    def save(self, name, parameters, notebook_out, artifacts_written, artifacts_dir, report):
        """Store a finished run (its kept notebook, the artefacts it wrote, its report)."""
        final = os.path.join(self.folder, self.key(name, parameters))
        if os.path.isdir(final):
            return
        os.makedirs(self.folder, exist_ok=True)
        staging = tempfile.mkdtemp(dir=self.folder, prefix=".staging-")
        shutil.copyfile(notebook_out, os.path.join(staging, "notebook.ipynb"))
        for rel in artifacts_written:
            target = os.path.join(staging, "artifacts", rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.join(artifacts_dir, rel), target, follow_symlinks=False)
        write_json(os.path.join(staging, "report.json"), report)
        try:
            os.rename(staging, final)
        except OSError:  # another grader stored the same run first
            shutil.rmtree(staging, ignore_errors=True)

    def key(self, name, parameters):
        """The notebook's name, the parameters and the bytes of every file of the submission."""
        digest = hashlib.sha256(VERSION.encode())
        settings = {k: v for k, v in parameters.items() if k != "artifacts_dir"}
        digest.update(json.dumps([name, settings], sort_keys=True).encode())
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for filename in sorted(names):
                path = os.path.join(folder, filename)
                digest.update(f"{os.path.relpath(path, self.root)}\0{file_digest(path)}\0".encode())
        return digest.hexdigest()[:40]


def snapshot(folder):
    """{relative path: (size, mtime)} of the files under `folder`."""
    state = {}
    for base, _, names in os.walk(folder):
        for filename in names:
            path = os.path.join(base, filename)
            stat = os.lstat(path)
            if S_ISREG(stat.st_mode):  # links and special files are never stored
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
