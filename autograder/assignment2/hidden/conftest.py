"""CIFAR-10 as the notebooks prepare it, and the accuracy targets (hidden checks only).

The splits come from the reference package's own `get_CIFAR10_data` (trusted code, run in the
grading process), so the grader never uses the student's preprocessing. Every accuracy target is
measured on the held-out test images (`gradekit.data.student_data`: test images from 5000 on), which
the notebooks never receive when graded.
"""
import os
import tomllib

import pytest

from gradekit.autograde.lazy import Lazy
from gradekit.data.student_data import HELD_OUT_FROM


@pytest.fixture(scope="session")
def cifar(reference, data_dir):
    """The notebooks' splits (train 49000, val 1000, mean image subtracted) and the grader's
    held-out test images (X_held_out, y_held_out: the 5000 from HELD_OUT_FROM on)."""
    def splits():
        data = reference.call("cs231n.data_utils.get_CIFAR10_data",
                              os.path.join(data_dir, "cifar-10-batches-py"), num_test=10000)
        return dict(data, X_held_out=data["X_test"][HELD_OUT_FROM:], y_held_out=data["y_test"][HELD_OUT_FROM:])

    return Lazy(splits)


@pytest.fixture(scope="session")
def targets():
    """The accuracy targets of assignment.toml."""
    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "assignment.toml"), "rb") as f:
        return tomllib.load(f)["targets"]
