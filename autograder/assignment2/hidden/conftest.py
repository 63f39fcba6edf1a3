"""CIFAR-10 as the notebooks prepare it, and the accuracy targets (hidden checks only).

The splits come from the reference package's own `get_CIFAR10_data` (trusted code, run in the
grading process), so the grader never uses the student's preprocessing.
"""
import os
import tomllib

import pytest

from gradekit.autograde.lazy import Lazy


@pytest.fixture(scope="session")
def cifar(reference, data_dir):
    """The notebooks' splits: train 49000, val 1000, all 10000 test images, mean image subtracted."""
    return Lazy(lambda: reference.call("cs231n.data_utils.get_CIFAR10_data",
                                       os.path.join(data_dir, "cifar-10-batches-py"), num_test=10000))


@pytest.fixture(scope="session")
def targets():
    """The accuracy targets of assignment.toml."""
    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "assignment.toml"), "rb") as f:
        return tomllib.load(f)["targets"]
