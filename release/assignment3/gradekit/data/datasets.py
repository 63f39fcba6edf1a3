"""The datasets `gradekit data NAME` knows: each name maps to a fetcher `fetch(dest, source, log)`.

A fetcher puts a verified copy of its dataset under `dest` (downloading the official files when
`source` is None, else taking a local archive or folder) and returns the path; on bad input it
raises `gradekit.data.DataError` with a message naming the file. Adding a dataset is adding a line.
"""
import importlib
import os

FETCHERS = {
    "cifar10": "gradekit.data.cifar10:fetch_cifar10",
    "captions": "gradekit.data.captions:fetch_captions",
    "assets": "gradekit.data.course_files:fetch_assets",
    "mnist": "gradekit.data.course_files:fetch_mnist",
    "imagenet25": "gradekit.data.course_files:fetch_imagenet25",
    "squeezenet": "gradekit.data.squeezenet_weights:fetch_squeezenet",
}

# The folder each dataset occupies under a data directory, and the notebook parameter the grader
# sets to that folder's path.
FOLDERS = {"cifar10": "cifar-10-batches-py", "captions": "coco_captioning"}
PARAMETERS = {"cifar10": "cifar10_dir", "captions": "coco_dir"}
FOLDERS.update(assets="cs231n_assets", mnist="mnist", imagenet25="imagenet_val_25", squeezenet="squeezenet")
PARAMETERS.update(assets="assets_dir", mnist="mnist_dir", imagenet25="imagenet_dir",
                  squeezenet="squeezenet_dir")


def names():
    return sorted(FETCHERS)


def fetcher(name):
    """The fetch function registered for `name`."""
    module, function = FETCHERS[name].split(":")
    return getattr(importlib.import_module(module), function)


def missing(data_dir, names):
    """The datasets among `names` that have no folder in `data_dir`."""
    return [n for n in names if not os.path.isdir(os.path.join(data_dir, FOLDERS[n]))]

