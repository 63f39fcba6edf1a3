"""CIFAR-10 loading, as in the course: the python-pickle batches into float64 NHWC arrays."""
import os
import pickle

import numpy as np


def load_pickle(f):
    """Unpickle a Python-2 CIFAR batch (str keys) on Python 3."""
    return pickle.load(f, encoding="latin1")


def read_batch(filename):
    """One batch file as stored: {"data": (N, 3072) uint8 rows, "labels": N ints, ...}."""
    with open(filename, "rb") as f:
        return load_pickle(f)


def as_images(rows):
    """(N, 3072) uint8 rows (the red, green, blue planes of each image) as float64 images
    (N, 32, 32, 3), converted into one new array: converting each batch and then concatenating
    them took twice as long, mostly in allocating the memory twice over."""
    X = np.empty((rows.shape[0], 32, 32, 3))
    X[...] = rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return X


def load_CIFAR_batch(filename):
    """Load one batch file: X (10000, 32, 32, 3) float64 and y (10000,) int labels."""
    datadict = read_batch(filename)
    return as_images(datadict["data"]), np.array(datadict["labels"])


def load_CIFAR10(ROOT):
    """Load all of CIFAR-10 from `cifar-10-batches-py`: Xtr, Ytr, Xte, Yte."""
    if not os.path.isdir(ROOT):
        raise FileNotFoundError(
            f"CIFAR-10 not found at {ROOT!r}: run `python -m gradekit data cifar10` "
            "(or pass --from with a local copy of cifar-10-python.tar.gz)")
    batches = [read_batch(os.path.join(ROOT, "data_batch_%d" % b)) for b in range(1, 6)]
    Xtr = as_images(np.concatenate([batch["data"] for batch in batches]))
    Ytr = np.concatenate([np.array(batch["labels"]) for batch in batches])
    Xte, Yte = load_CIFAR_batch(os.path.join(ROOT, "test_batch"))
    return Xtr, Ytr, Xte, Yte
