"""The data a notebook is given when it is graded: the assignment's datasets, less what the grader
keeps for itself.

CIFAR-10's test images from HELD_OUT_FROM on (5000 of the 10000) are not in the notebooks' copy,
images and labels alike: every accuracy that scores is measured by the grader on those images
(`heldout` in the hidden checks' conftest.py), which the notebook never saw, so a model fitted to
the labels a notebook can read (validation, or the first test images) is measured at chance. The
course's notebooks use only the first 1000 test images (assignment 2's final models print their
accuracy on the whole test batch: 5000 images when graded).

The captioning data's val images from `captions_held_out_from` on (the second half: 500 of the
generated set's 1000) have no caption in the notebooks' copy: their caption rows are left out of
`coco2014_captions.h5`, while their features, URLs and images stay (they name nothing). The BLEU-1
that scores is measured by the grader on those images; the notebooks evaluate, and show captions
of, the val images whose captions they keep.

Each copy is made once per machine and data (its folder is named by the digest of the file it
cuts) in the grader's cache, and only it, with the assignment's other dataset folders, is mounted
in the sandbox: the notebook cannot reach the held-out labels.
"""
import os
import pickle
import shutil
import tempfile

import numpy as np

from gradekit.data import captions, datasets
from gradekit.data.cifar10 import CIFAR10
from gradekit.data.fetch import checksum

HELD_OUT_FROM = 5000
VERSION = "gradekit-student-data-1"


def default_cache():
    """`$GRADEKIT_CACHE`, else `$XDG_CACHE_HOME/gradekit`, else `~/.cache/gradekit`."""
    return os.environ.get("GRADEKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gradekit")


def folders(data_dir, names, cache=None):
    """{dataset: the folder its notebooks read when graded} for the datasets `names`: the dataset's
    own folder in `data_dir`, except CIFAR-10's and the captions', copies without what is held out."""
    found = {n: os.path.abspath(os.path.join(data_dir, datasets.FOLDERS[n])) for n in names}
    if "cifar10" in found:
        found["cifar10"] = cifar10_without_held_out(found["cifar10"], cache or default_cache())
    if "captions" in found:
        found["captions"] = captions_without_held_out(found["captions"], cache or default_cache())
    return found


def parameters(found):
    """{notebook parameter: folder} that papermill injects, for the folders `found` (`folders`)."""
    return {datasets.PARAMETERS[n]: path for n, path in found.items()}


def cifar10_without_held_out(folder, cache):
    """The CIFAR-10 folder the notebooks get: `folder`'s batches, the test batch cut to its first
    HELD_OUT_FROM images; made in `cache` once per test batch (named by its digest) and reused."""
    test_batch = os.path.join(folder, "test_batch")

    def build(copy):
        link_tree(folder, copy, leaving_out={"test_batch"})
        write_first_images(test_batch, os.path.join(copy, "test_batch"), HELD_OUT_FROM)
    return made_once(cache, f"cifar10-{digest(test_batch)}", CIFAR10["folder"], build)


def captions_held_out_from(val_images):
    """The first held-out val image of a captioning set with `val_images` val images: the held-out
    images are the second half."""
    return val_images // 2


def captions_without_held_out(folder, cache):
    """The captioning folder the notebooks get: `folder`'s files, its captions file without the val
    captions of the held-out val images (its SHA256SUMS, if any, rewritten to match); made in
    `cache` once per captions file and split (named by their digest) and reused."""
    source = os.path.join(folder, captions.CAPTIONS_FILE)
    with open(os.path.join(folder, captions.urls_file("val"))) as f:
        held_out_from = captions_held_out_from(sum(1 for line in f if line.strip()))

    def build(copy):
        link_tree(folder, copy, leaving_out={captions.CAPTIONS_FILE, captions.MANIFEST})
        write_kept_val_captions(source, os.path.join(copy, captions.CAPTIONS_FILE), held_out_from)
        if os.path.exists(os.path.join(folder, captions.MANIFEST)):
            captions.write_manifest(copy)
            os.chmod(os.path.join(copy, captions.MANIFEST), 0o644)
    return made_once(cache, f"captions-{digest(source, f'held out from val image {held_out_from}')}",
                     captions.FOLDER, build)


def digest(path, split=""):
    """16 hex digits naming a copy made from the file `path` with the held-out `split` (and this
    module's VERSION)."""
    return checksum(path, prefix=(VERSION + split).encode())[:16]


def made_once(cache, name, folder_name, build):
    """`cache`/student-data/`name`/`folder_name`, filled by `build(folder)` the first time (in a
    staging folder, renamed into place when complete) and reused after."""
    target = os.path.join(cache, "student-data", name, folder_name)
    if os.path.isdir(target):
        return target
    parent = os.path.dirname(target)
    os.makedirs(os.path.dirname(parent), exist_ok=True)
    staging = tempfile.mkdtemp(dir=os.path.dirname(parent), prefix=".staging-")
    try:
        os.chmod(staging, 0o755)  # read by the sandbox's uid
        os.makedirs(os.path.join(staging, folder_name), mode=0o755)
        build(os.path.join(staging, folder_name))
        os.rename(staging, parent)
    except OSError:
        if not os.path.isdir(target):  # not another grader making it first
            raise
    finally:
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


def write_kept_val_captions(source, dest, held_out_from):
    """The captions file `source` without the val captions of val images from `held_out_from` on,
    its datasets otherwise as they are."""
    import h5py

    with h5py.File(source, "r") as f:
        arrays = {key: np.asarray(value) for key, value in f.items()}
    kept = arrays["val_image_idxs"] < held_out_from
    arrays["val_captions"], arrays["val_image_idxs"] = arrays["val_captions"][kept], arrays["val_image_idxs"][kept]
    with h5py.File(dest, "w") as f:
        for key, value in arrays.items():
            f.create_dataset(key, data=value, track_times=False)
    os.chmod(dest, 0o644)


def link_tree(source, dest, leaving_out=()):
    """`source`'s files and folders under `dest` (links or copies, `link_or_copy`), except the
    top-level names in `leaving_out`."""
    for root, folders_here, files in os.walk(source):
        rel = os.path.relpath(root, source)
        for name in folders_here:
            os.makedirs(os.path.join(dest, rel, name), mode=0o755)
        for name in files:
            if rel != "." or name not in leaving_out:
                link_or_copy(os.path.join(root, name), os.path.join(dest, rel, name))


def link_or_copy(source, dest):
    """A hard link to `source` where the file system allows, else a copy; readable by everyone."""
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)
        os.chmod(dest, 0o644)
