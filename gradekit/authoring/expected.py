"""Expected values for the public checks, computed from the reference solution.

`autograder/<assignment>/expected_values.py` (instructor-only) defines, per notebook, a function
`<notebook>(reference)` returning named arrays; they are stored as
`autograder/<assignment>/public/expected/<notebook>.npz`, which ship to students so that their
local checks need no solution.
"""
import importlib.util
import io
import os
import zipfile

import numpy as np

from gradekit.autograde.plugin import Reference


def compute(assignment):
    """{notebook: {name: array}} from the reference solution."""
    path = os.path.join(assignment.autograder, "expected_values.py")
    spec = importlib.util.spec_from_file_location(f"expected_values_{assignment.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reference = Reference(assignment.solutions)
    return {name: getattr(module, name)(reference) for name in assignment.notebooks
            if hasattr(module, name)}


RTOL = 1e-6
"""Entries within RTOL of the stored value (relative to it, or to the array's largest entry
near zero) are the same value computed on another CPU, BLAS kernel or thread count."""
FEW = 0.01
MOVED = 1e-3
"""... and so is an array of which a FEW of the entries moved, by at most MOVED of its sum
(sum |new - old| / sum |old|): a max pooling tie broken the other way sends one pixel's
gradient to its neighbour."""


def write(assignment, folder=None):
    """Write every notebook's expected values, except those that are `unchanged` from the file
    already there (so that regenerating a release on another machine leaves it as committed);
    returns the paths written."""
    folder = folder or os.path.join(assignment.public_tests, "expected")
    os.makedirs(folder, exist_ok=True)
    paths = []
    for notebook, values in compute(assignment).items():
        path = os.path.join(folder, f"{notebook}.npz")
        if os.path.exists(path):
            with np.load(path, allow_pickle=False) as stored:
                if unchanged(dict(stored), values):
                    continue
        with open(path, "wb") as f:
            f.write(npz_bytes(values))
        paths.append(path)
    return paths


def unchanged(stored, computed):
    """Whether `computed` ({name: array}) holds the `stored` values: the same names, shapes and
    dtypes, and each array equal within RTOL entry by entry but for a FEW entries that moved by
    at most MOVED of its sum."""
    if set(stored) != set(computed):
        return False
    for name, old in stored.items():
        new = np.asarray(computed[name])
        if new.shape != old.shape or new.dtype != old.dtype:
            return False
        if old.dtype.kind not in "fc":
            if not np.array_equal(old, new):
                return False
            continue
        if not (np.all(np.isfinite(old)) and np.all(np.isfinite(new))):
            if not np.array_equal(old, new, equal_nan=True):
                return False
            continue
        old, new = old.astype(np.float64), new.astype(np.float64)
        scale = float(np.max(np.abs(old))) if old.size else 0.0
        moved = np.abs(new - old) > RTOL * np.maximum(np.abs(old), scale * 1e-3)
        total = float(np.sum(np.abs(old)))
        if np.any(moved) and not (np.mean(moved) <= FEW and float(np.sum(np.abs(new - old))) <= MOVED * total):
            return False
    return True


def npz_bytes(arrays):
    """An .npz with fixed timestamps, so the same values always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()
