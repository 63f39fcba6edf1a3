"""The data a notebook is given when it is graded: the assignment's datasets, less what the grader
keeps for itself.

CIFAR-10's test images from HELD_OUT_FROM on (5000 of the 10000) are not in the notebooks' copy,
images and labels alike: every accuracy that scores is measured by the grader on those images
(`heldout` in the hidden checks' conftest.py), which the notebook never saw, so a model fitted to
the labels a notebook can read (validation, or the first test images) is measured at chance. The
course's notebooks use only the first 1000 test images (assignment 2's final models print their
accuracy on the whole test batch: 5000 images when graded).

The copy is made once per machine and data (its folder is named by the digest of the test batch)
in the grader's cache, and only it, with the assignment's other dataset folders, is mounted in the
sandbox: the notebook cannot reach the full test batch.
"""
import hashlib
import os
import pickle
import shutil
import tempfile

from gradekit import datasets
from gradekit.data import CIFAR10

HELD_OUT_FROM = 5000
VERSION = "gradekit-student-data-1"


def default_cache():
    """`$GRADEKIT_CACHE`, else `$XDG_CACHE_HOME/gradekit`, else `~/.cache/gradekit`."""
    return os.environ.get("GRADEKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gradekit")


def folders(data_dir, names, cache=None):
    """{dataset: the folder its notebooks read when graded} for the datasets `names`: the dataset's
    own folder in `data_dir`, except CIFAR-10's, a copy without the held-out test images."""
    found = {n: os.path.abspath(os.path.join(data_dir, datasets.FOLDERS[n])) for n in names}
    if "cifar10" in found:
        found["cifar10"] = cifar10_without_held_out(found["cifar10"], cache or default_cache())
    return found


def parameters(found):
    """{notebook parameter: folder} that papermill injects, for the folders `found` (`folders`)."""
    return {datasets.PARAMETERS[n]: path for n, path in found.items()}


def cifar10_without_held_out(folder, cache):
    """The CIFAR-10 folder the notebooks get: `folder`'s batches, the test batch cut to its first
    HELD_OUT_FROM images; made in `cache` once per test batch (named by its digest) and reused."""
    test_batch = os.path.join(folder, "test_batch")
    with open(test_batch, "rb") as f:
        digest = hashlib.sha256(VERSION.encode() + f.read()).hexdigest()[:16]
    target = os.path.join(cache, "student-data", f"cifar10-{digest}", CIFAR10["folder"])
    if os.path.isdir(target):
        return target
    parent = os.path.dirname(target)
    os.makedirs(os.path.dirname(parent), exist_ok=True)
    staging = tempfile.mkdtemp(dir=os.path.dirname(parent), prefix=".staging-")
    os.chmod(staging, 0o755)  # read by the sandbox's uid
    copy = os.path.join(staging, CIFAR10["folder"])
    os.makedirs(copy, mode=0o755)
    for name in sorted(os.listdir(folder)):
        if name != "test_batch" and os.path.isfile(os.path.join(folder, name)):
            link_or_copy(os.path.join(folder, name), os.path.join(copy, name))
    write_first_images(test_batch, os.path.join(copy, "test_batch"), HELD_OUT_FROM)
    try:
        os.rename(staging, parent)
    except OSError:  # another grader made it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def write_first_images(source, dest, count):
    """A CIFAR-10 batch file holding the first `count` images of `source`, in the same format."""
    with open(source, "rb") as f:
        batch = pickle.load(f, encoding="latin1")  # noqa: S301 - the verified dataset
    cut = {key: value[:count] if key in ("data", "labels", "filenames") else value for key, value in batch.items()}
    with open(dest, "wb") as f:
        pickle.dump(cut, f, protocol=2)
    os.chmod(dest, 0o644)


def link_or_copy(source, dest):
    """A hard link to `source` where the file system allows, else a copy; readable by everyone."""
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)
        os.chmod(dest, 0o644)
