"""CIFAR-10 loading, as in the course: the python-pickle batches into float64 NHWC arrays."""
import os
import pickle

import numpy as np


def load_pickle(f):
    """Unpickle a Python-2 CIFAR batch (str keys) on Python 3."""
    return pickle.load(f, encoding="latin1")


def load_CIFAR_batch(filename):
    """Load one batch file: X (10000, 32, 32, 3) float64 and y (10000,) int labels."""
    with open(filename, "rb") as f:
        datadict = load_pickle(f)
    X = datadict["data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype("float")
    y = np.array(datadict["labels"])
    return X, y


def load_CIFAR10(ROOT):
    """Load all of CIFAR-10 from `cifar-10-batches-py`: Xtr, Ytr, Xte, Yte."""
    if not os.path.isdir(ROOT):
        raise FileNotFoundError(
            f"CIFAR-10 not found at {ROOT!r}: run `python -m gradekit data cifar10` "
            "(or pass --from with a local copy of cifar-10-python.tar.gz)")
    xs, ys = [], []
    for b in range(1, 6):
        X, Y = load_CIFAR_batch(os.path.join(ROOT, "data_batch_%d" % b))
        xs.append(X)
        ys.append(Y)
    Xtr, Ytr = np.concatenate(xs), np.concatenate(ys)
    Xte, Yte = load_CIFAR_batch(os.path.join(ROOT, "test_batch"))
    return Xtr, Ytr, Xte, Yte
