"""Reusing a notebook's execution when nothing it depends on has changed.

Regrading a batch after fixing an autograder check, grading many variants of one submission (the
mutant suite) or running gradekit's tests again need not execute again a notebook whose inputs are
the same. A notebook's inputs are:
- its name and the grader's parameters (except where artefacts go), a data folder by its content
  (not its path: two checkouts of the same data share runs);
- every file of the notebook's own copy of the submission (execute.py gives each notebook the
  submission without the assignment's other notebooks, so it cannot read them), read by the
  grader before execution;
- the grader's execution code (`EXECUTION_CODE`) and the installed packages' versions, so a store
  kept between runs (e.g. the tests' one in the user's cache, `default_folder`) is never stale.
The BLAS thread count is not an input: it changes results only by rounding.

Nothing the notebook prints or does decides the key, and no guess of what it imports either (code
can load any file by a computed name), so a submission cannot make another one reuse its run: a
stored run is restored only for a notebook whose every visible file is byte for byte the same.
Only notebooks that ran to the end are stored. Entries are written to a temporary folder and
renamed, so several graders (Dask workers, parallel test runs) can share one store; a grader
about to execute a notebook claims its key first (`Store.claimed`), so that another grader of the
same notebook waits and reuses that run instead of executing it a second time. Student code never
sees the store (it is not mounted in the sandbox).
"""
import contextlib
import fcntl
import functools
import hashlib
import importlib.metadata
import json
import os
import shutil
import sys
import sysconfig
import tempfile
import time
from stat import S_ISREG

from gradekit.data.fetch import checksum


VERSION = "gradekit-execution-5"  # the store's own format
EXECUTION_CODE = ("pipeline/execute.py", "pipeline/kernel.py", "sandbox.py")  # gradekit's files that run a notebook
UNUSED_FOR = 14 * 24 * 3600  # an environment's runs not used for this long are removed from a store


class Store:
    """Executed notebooks and the artefacts they wrote, keyed by everything they depend on; runs
    of other environments (code or versions) live beside them and are pruned when unused."""

    def __init__(self, folder):
        self.base = os.path.abspath(folder)
        self.folder = os.path.join(self.base, environment())

    @contextlib.contextmanager
    def claimed(self, key):
        """Held by the one grader executing the notebook stored under `key`: a grader claiming the
        same key waits until the run is stored (or has failed, and then executes it itself)."""
        os.makedirs(self.folder, exist_ok=True)
        with open(os.path.join(self.folder, f".{key}.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def restore(self, key, notebook_out, artifacts_dir):
        """Put the run stored under `key` in place and return its report, or None if there is none."""
        stored = os.path.join(self.folder, key)
        report = read_json(os.path.join(stored, "report.json"))
        if report is None:
            return None
        shutil.copyfile(os.path.join(stored, "notebook.ipynb"), notebook_out)
        copy_tree(os.path.join(stored, "artifacts"), artifacts_dir)
        return dict(report, reused=True)

    def save(self, key, notebook_out, artifacts_written, artifacts_dir, report):
        """Store a finished run (its kept notebook, the artefacts it wrote, its report) under `key`."""
        final = os.path.join(self.folder, key)
        if os.path.isdir(final):
            return
        os.makedirs(self.folder, exist_ok=True)
        prune(self.base, keep=self.folder)
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

    @staticmethod
    def key(name, parameters, submission):
        """The notebook's name, the parameters (folders by their content) and the bytes of every
        file under `submission`, the notebook's own copy."""
        digest = hashlib.sha256(VERSION.encode())
        settings = {k: (f"folder with content {tree_digest(v)}" if isinstance(v, str) and os.path.isdir(v) else v)
                    for k, v in parameters.items() if k != "artifacts_dir"}
        digest.update(json.dumps([name, settings], sort_keys=True).encode())
        for rel, path in tree_files(submission):
            digest.update(f"{rel}\0{checksum(path)}\0".encode())
        return digest.hexdigest()[:40]


def default_folder():
    """The store kept between runs in the user's cache (`$GRADEKIT_CACHE/executions`, see
    student_data.default_cache)."""
    from gradekit.data import student_data

    return os.path.join(student_data.default_cache(), "executions")


@functools.cache
def environment():
    """This process's `environment_of` gradekit's own execution code."""
    import gradekit

    return environment_of(os.path.dirname(os.path.abspath(gradekit.__file__)))


def environment_of(code):
    """A digest of what runs a notebook besides the submission: Python, the version of every package
    installed in its site-packages (not whatever sys.path holds at the time: a checkout's own
    *.egg-info would count when the grader runs from it) and gradekit's execution code
    (`EXECUTION_CODE` in the package folder `code`)."""
    digest = hashlib.sha256(f"{VERSION}\0{sys.version}\0".encode())
    paths = sysconfig.get_paths()
    site = sorted({paths["purelib"], paths["platlib"]})
    packages = sorted({f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions(path=site)})
    digest.update("\n".join(packages).encode())
    for filename in EXECUTION_CODE:
        digest.update(f"{filename}\0{checksum(os.path.join(code, filename))}\0".encode())
    return "env-" + digest.hexdigest()[:16]


def prune(base, keep):
    """Remove the environments under `base` other than `keep` that no run used for `UNUSED_FOR`;
    `keep` is marked as used now."""
    os.utime(keep)
    for name in os.listdir(base):
        path = os.path.join(base, name)
        if name.startswith("env-") and path != keep and time.time() - os.path.getmtime(path) > UNUSED_FOR:
            shutil.rmtree(path, ignore_errors=True)


def tree_files(folder):
    """[(relative path, path)] of every file under `folder`, sorted, without __pycache__."""
    found = []
    for base, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [(os.path.relpath(os.path.join(base, n), folder), os.path.join(base, n)) for n in sorted(names)]
    return found


def tree_digest(folder):
    """A digest of the names and bytes of every file under `folder` (a data folder: hashed once
    per process while its files' sizes and times stay the same)."""
    signature = tuple((rel, stat_of(path)) for rel, path in tree_files(folder))
    return _tree_digest(os.path.realpath(folder), signature)


@functools.lru_cache(maxsize=64)
def _tree_digest(folder, signature):
    digest = hashlib.sha256()
    for rel, _ in signature:
        digest.update(f"{rel}\0{checksum(os.path.join(folder, rel))}\0".encode())
    return digest.hexdigest()[:32]


def stat_of(path):
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns, info.st_ino


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
