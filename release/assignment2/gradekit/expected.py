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


def write(assignment, folder=None):
    """Write every notebook's expected values; returns the paths written."""
    folder = folder or os.path.join(assignment.public_tests, "expected")
    os.makedirs(folder, exist_ok=True)
    paths = []
    for notebook, values in compute(assignment).items():
        path = os.path.join(folder, f"{notebook}.npz")
        with open(path, "wb") as f:
            f.write(npz_bytes(values))
        paths.append(path)
    return paths


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
