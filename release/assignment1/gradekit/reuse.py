"""Reusing a notebook's execution when nothing it depends on has changed.

Regrading a batch after fixing an autograder check, or grading many variants of one submission
(the mutant suite), need not execute again a notebook whose inputs are the same. A notebook's
inputs are: its own bytes, the grader's parameters (except where artefacts go), every file of the
submission that is neither a notebook nor a Python module, and the submission's Python modules
that the notebook can import: those its code cells import or name, their parent packages, and
what they import or name in turn (`reachable_modules`), read by the grader from the files before
execution. Nothing the notebook prints or does decides the key, so a submission cannot make
another one reuse its run: a stored run is restored only for a notebook whose every input is
byte for byte the same.

Only notebooks that ran to the end are stored. The data folder is identified by its path, so a
store must not outlive a change of the data in place. Entries are written to a temporary folder
and renamed, so several graders (Dask workers) can share one store. Student code never sees the
store (it is not mounted in the sandbox).
"""
import ast
import hashlib
import json
import os
import shutil
import tempfile
from stat import S_ISREG

import nbformat

VERSION = "gradekit-execution-2"


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
        """The notebook, the parameters, the submission's data files and the modules it can import."""
        digest = hashlib.sha256(VERSION.encode())
        settings = {k: v for k, v in parameters.items() if k != "artifacts_dir"}
        digest.update(json.dumps([name, settings], sort_keys=True).encode())
        notebook = os.path.join(self.root, f"{name}.ipynb")
        digest.update(file_digest(notebook).encode())
        modules = module_files(self.root)
        used = reachable_modules(notebook, modules)
        for rel in self.files(lambda rel: not rel.endswith((".py", ".ipynb"))) + sorted(used):
            digest.update(f"{rel}\0{file_digest(os.path.join(self.root, rel))}\0".encode())
        return digest.hexdigest()[:40]

    def files(self, keep):
        found = []
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for filename in sorted(names):
                rel = os.path.relpath(os.path.join(folder, filename), self.root)
                if keep(rel):
                    found.append(rel)
        return found


def module_files(root):
    """{dotted module name: path relative to root} of the Python files under `root`."""
    found = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for filename in names:
            if filename.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, filename), root)
                found[rel[:-3].replace(os.sep, ".").removesuffix(".__init__")] = rel
    return found


def reachable_modules(notebook_path, modules):
    """The files of `modules` ({name: file}) a notebook can import: every module its code imports
    or names in a string, with its parent packages, and transitively what those import or name.
    A file that cannot be parsed counts as importing everything (it decides nothing, then)."""
    try:
        cells = nbformat.read(notebook_path, as_version=4).cells
        code = "\n".join(python_lines(c.source) for c in cells if c.cell_type == "code")
    except Exception:  # noqa: BLE001 - an unreadable notebook is never executed, nor stored
        return set(modules.values())
    reached, todo = set(), [(code, None)]
    while todo:
        source, package = todo.pop()
        names = mentioned_modules(source, package, modules)
        for name in sorted(names - reached):
            reached.add(name)
            path = modules[name]
            try:
                with open(os.path.join(os.path.dirname(notebook_path), path), encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError):
                continue
            own_package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
            todo.append((text, own_package))
    return {modules[name] for name in reached}


def mentioned_modules(source, package, modules):
    """The known modules (and their parents) that `source` imports, relatively too, or names."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set(modules)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = (package or "").split(".")
                parts = parts[:len(parts) - node.level + 1] if node.level > 1 else parts
                base = ".".join(p for p in [*parts, base] if p)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.update(node.value.replace("/", ".").removesuffix(".py").split())
    found = set()
    for name in names:
        parts = name.split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return found & set(modules)


def python_lines(source):
    """A cell's source without IPython's magics and shell escapes (which are not Python)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


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
