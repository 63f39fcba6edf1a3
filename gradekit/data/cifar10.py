"""`gradekit data cifar10`: CIFAR-10, downloaded or taken from a local copy, then verified.

The machines that grade may have no internet: `--from PATH` accepts a local archive or an
already extracted folder, and the result is checked the same way as a download.
"""
import os
import pickle
import shutil

import numpy as np

from gradekit.data import DataError
from gradekit.data.fetch import checksum, download, extract_tar, require_checksum, staging

CIFAR10 = {
    "url": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    "md5": "c58f30108f718f92721af3b95e74349a",
    "folder": "cifar-10-batches-py",
    "batches": [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"],
}


def fetch_cifar10(dest, source=None, log=print):
    """Put a verified `cifar-10-batches-py` into `dest`; returns its path."""
    target = os.path.join(dest, CIFAR10["folder"])
    with staging(dest, CIFAR10["folder"]) as (tmp, staged):
        if source is None:
            archive = os.path.join(tmp, "cifar-10-python.tar.gz")
            log(f"downloading {CIFAR10['url']}")
            download(CIFAR10["url"], archive, local_copy="a local copy of cifar-10-python.tar.gz")
            require_checksum(archive, CIFAR10["md5"], "md5", label=CIFAR10["url"])
            folder = extract(archive, tmp)
        elif os.path.isdir(source):
            folder = source if os.path.basename(os.path.normpath(source)) == CIFAR10["folder"] \
                else os.path.join(source, CIFAR10["folder"])
        elif os.path.isfile(source):
            digest = checksum(source, "md5")
            note = "the official archive" if digest == CIFAR10["md5"] else \
                f"not the official archive (md5 {digest}); accepting it after checking its contents"
            log(f"{source}: {note}")
            folder = extract(source, tmp)
        else:
            raise DataError(f"{source}: no such file or folder")
        verify_cifar10(folder)
        if os.path.abspath(folder) not in (os.path.abspath(target), os.path.abspath(staged)):
            shutil.copytree(folder, staged)  # an archive is extracted in place; a folder is copied
    log(f"CIFAR-10 ready in {target}")
    return target


def extract(archive, into):
    """Extract a CIFAR-10 tar archive safely (`extract_tar`); returns its data folder."""
    extract_tar(archive, into)
    folder = os.path.join(into, CIFAR10["folder"])
    if not os.path.isdir(folder):
        raise DataError(f"{archive}: has no {CIFAR10['folder']}/ folder")
    return folder


def verify_cifar10(folder):
    """Every batch present, with 10000 uint8 rows of 3072 values and labels in 0..9."""
    for name in CIFAR10["batches"]:
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            raise DataError(f"{path}: missing")
        try:
            with open(path, "rb") as f:
                batch = pickle.load(f, encoding="latin1")  # noqa: S301 - the dataset's own format
        except Exception as exc:  # noqa: BLE001
            raise DataError(f"{path}: not a CIFAR-10 batch ({exc})") from None
        data, labels = batch.get("data"), np.asarray(batch.get("labels"))
        if not isinstance(data, np.ndarray) or data.shape != (10000, 3072) or data.dtype != np.uint8:
            raise DataError(f"{path}: data should be uint8 (10000, 3072)")
        if labels.shape != (10000,) or labels.min() < 0 or labels.max() > 9:
            raise DataError(f"{path}: labels should be 10000 values in 0..9")


def load_cifar10(data_dir):
    """The grader's own loader: Xtr, ytr, Xte, yte as the course's load_CIFAR10 returns them."""
    folder = os.path.join(data_dir, CIFAR10["folder"])
    batches = []
    for name in CIFAR10["batches"]:
        with open(os.path.join(folder, name), "rb") as f:
            batches.append(pickle.load(f, encoding="latin1"))  # noqa: S301 - the verified dataset
    train, test = batches[:5], batches[5]
    return (as_images(np.concatenate([b["data"] for b in train])), np.concatenate([b["labels"] for b in train]),
            as_images(test["data"]), np.asarray(test["labels"]))


def as_images(rows):
    """(N, 3072) uint8 rows as float64 images (N, 32, 32, 3), converted into one new array (a
    converted copy per batch, then their concatenation, took twice as long)."""
    images = np.empty((rows.shape[0], 32, 32, 3))
    images[...] = rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images
