"""CIFAR-10 as each notebook prepares it, computed by the grader itself (hidden checks only).

Every accuracy target is measured on the held-out test images (`gradekit.data.student_data`: test
images from 5000 on), which the notebooks never receive when graded: a model fitted to the labels
a notebook can read (validation, or the first test images) is measured at chance."""
import os
import tomllib

import numpy as np
import pytest

from gradekit.autograde.lazy import Lazy
from gradekit.data.cifar10 import load_cifar10
from gradekit.data.student_data import HELD_OUT_FROM


class Splits:
    """The spec's splits: train 0..48999, val 49000..49999, test the first 1000 test images; and
    the grader's own: held_out, the test images from HELD_OUT_FROM on (5000)."""

    def __init__(self, data_dir):
        self.data_dir = data_dir  # loaded at first use: a check of an unexecuted notebook fails at once
        self.loaded = None

    def all(self):
        """The whole dataset: X_train, y_train (50000), X_test, y_test (10000)."""
        if self.loaded is None:
            self.loaded = load_cifar10(self.data_dir)
        return self.loaded

    def raw(self):
        X, y, X_test, y_test = self.all()
        return dict(X_train=X[:49000], y_train=y[:49000], X_val=X[49000:50000], y_val=y[49000:50000],
                    X_test=X_test[:1000], y_test=y_test[:1000],
                    X_held_out=X_test[HELD_OUT_FROM:], y_held_out=y_test[HELD_OUT_FROM:])

    def rows(self, bias):
        """Mean-subtracted rows (svm, softmax: with a bias column; two_layer_net: without)."""
        raw = self.raw()
        rows = {k: v.reshape(v.shape[0], -1) if k.startswith("X") else v for k, v in raw.items()}
        mean = np.mean(rows["X_train"], axis=0)
        for key in ("X_train", "X_val", "X_test", "X_held_out"):
            rows[key] = rows[key] - mean
            if bias:
                rows[key] = np.hstack([rows[key], np.ones((rows[key].shape[0], 1))])
        return rows


@pytest.fixture(scope="session")
def cifar(data_dir):
    return Splits(data_dir)


@pytest.fixture(scope="session")
def linear_rows(cifar):
    return Lazy(lambda: cifar.rows(bias=True))


@pytest.fixture(scope="session")
def net_rows(cifar):
    return Lazy(lambda: cifar.rows(bias=False))


@pytest.fixture(scope="session")
def targets():
    """The accuracy targets of assignment.toml."""
    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "assignment.toml"), "rb") as f:
        return tomllib.load(f)["targets"]
