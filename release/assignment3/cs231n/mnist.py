"""MNIST for the GANs notebook, read from the official idx files (no torchvision needed).

`MNIST(folder, train=True)` behaves like torchvision's `dset.MNIST(..., transform=ToTensor())`:
item i is (a float32 tensor (1, 28, 28) with values in [0, 1], the integer label). The folder is
the one `python -m gradekit data mnist` fills (the four `*-ubyte.gz` files).
"""
import gzip
import os

import numpy as np
import torch
from torch.utils.data import Dataset, sampler

FILES = {True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def read_idx(path):
    """The uint8 array stored in a gzipped idx file: images (N, 28, 28) or labels (N,)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: get MNIST with `python -m gradekit data mnist`")
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8 or raw[:3] != b"\0\0\x08":
        raise ValueError(f"{path} is not an idx file of unsigned bytes")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(folder, train=True):
    """(images uint8 (N, 28, 28), labels uint8 (N,)) of the training (60000) or test (10000) set."""
    images, labels = FILES[train]
    return read_idx(os.path.join(folder, images)), read_idx(os.path.join(folder, labels))


class MNIST(Dataset):
    """The MNIST images as float tensors (1, 28, 28) in [0, 1], with their labels."""

    def __init__(self, folder, train=True):
        self.images, self.labels = load_mnist(folder, train)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = torch.from_numpy(self.images[index].astype(np.float32) / 255.0)
        return image.unsqueeze(0), int(self.labels[index])


class ChunkSampler(sampler.Sampler):
    """Samples elements sequentially from some offset.

    Arguments:
        num_samples: # of desired datapoints
        start: offset where we should start selecting from
    """

    def __init__(self, num_samples, start=0):
        self.num_samples = num_samples
        self.start = start

    def __iter__(self):
        return iter(range(self.start, self.start + self.num_samples))

    def __len__(self):
        return self.num_samples
