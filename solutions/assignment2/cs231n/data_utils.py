"""CIFAR-10 loading, as in the course: the python-pickle batches into float64 arrays.

`load_CIFAR10` returns the raw NHWC images; `get_CIFAR10_data` makes the train/val/test splits of
assignment 2, subtracts the mean training image and transposes the images to (N, 3, 32, 32).
"""
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


def get_CIFAR10_data(cifar10_dir='cs231n/datasets/cifar-10-batches-py', num_training=49000,
                     num_validation=1000, num_test=1000, subtract_mean=True):
    """
    Load the CIFAR-10 dataset from disk and perform preprocessing to prepare
    it for classifiers. These are the same steps as we used for the SVM, but
    condensed to a single function.

    The validation set is training images num_training .. num_training + num_validation - 1,
    the training set the first num_training images and the test set the first num_test test
    images (all of them if there are fewer: a notebook being graded is given 5000, the grader keeps
    the others to measure your models on). With subtract_mean, the mean training image is
    subtracted from all three splits.
    Returns a dict with X_train, y_train, X_val, y_val, X_test, y_test; the images are float64
    of shape (N, 3, 32, 32).
    """
    # Load the raw CIFAR-10 data
    X_train, y_train, X_test, y_test = load_CIFAR10(cifar10_dir)

    # Subsample the data
    mask = list(range(num_training, num_training + num_validation))
    X_val = X_train[mask]
    y_val = y_train[mask]
    mask = list(range(num_training))
    X_train = X_train[mask]
    y_train = y_train[mask]
    mask = list(range(min(num_test, len(X_test))))
    X_test = X_test[mask]
    y_test = y_test[mask]

    # Normalize the data: subtract the mean image
    if subtract_mean:
        mean_image = np.mean(X_train, axis=0)
        X_train -= mean_image
        X_val -= mean_image
        X_test -= mean_image

    # Transpose so that channels come first
    X_train = X_train.transpose(0, 3, 1, 2).copy()
    X_val = X_val.transpose(0, 3, 1, 2).copy()
    X_test = X_test.transpose(0, 3, 1, 2).copy()

    # Package data into a dictionary
    return {
        'X_train': X_train, 'y_train': y_train,
        'X_val': X_val, 'y_val': y_val,
        'X_test': X_test, 'y_test': y_test,
    }
