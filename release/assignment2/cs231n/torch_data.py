"""CIFAR-10 for the PyTorch notebook, read by the project's own loader (no torchvision).

The course uses `torchvision.datasets.CIFAR10` with `ToTensor` and `Normalize(CIFAR_MEAN,
CIFAR_STD)`; this module gives the same tensors from the python batches that
`python -m gradekit data cifar10` installs. Images stay uint8 in memory and are normalised one at
a time as the loaders hand them out, as torchvision's transforms do; the splits are the course's:
training images 0..48999, validation 49000..49999 (of the training batches), and the test batch.
"""
import os

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, SubsetRandomSampler

from cs231n.data_utils import load_pickle

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2023, 0.1994, 0.2010)
NUM_TRAIN = 49000
_MEAN = torch.tensor(CIFAR_MEAN).view(3, 1, 1)
_STD = torch.tensor(CIFAR_STD).view(3, 1, 1)


def normalize(images):
    """uint8 images (N, 32, 32, 3) or (32, 32, 3) -> float32 (N, 3, 32, 32), normalised as the
    course's transform (`ToTensor` then `Normalize(CIFAR_MEAN, CIFAR_STD)`)."""
    x = torch.as_tensor(np.asarray(images)).float().div_(255)
    x = x.movedim(-1, -3)
    return (x - _MEAN) / _STD


class CIFAR10Images(Dataset):
    """uint8 images with labels; item i is (normalised image, label). With `flip`, each image is
    mirrored left-right with probability 1/2 every time it is read (data augmentation). `train`
    says whether the images come from the training batches (as torchvision's CIFAR10.train)."""

    def __init__(self, images, labels, train=True, flip=False):
        self.train = train
        self.images = torch.as_tensor(np.ascontiguousarray(images, dtype=np.uint8))
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        self.flip = flip

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        x = normalize(self.images[i])
        if self.flip and torch.rand(()) < 0.5:
            x = x.flip(-1)
        return x, self.labels[i]


def load_cifar10_images(cifar10_dir, split):
    """uint8 images (N, 32, 32, 3) and labels of the "train" (49000), "val" (1000), "trainval"
    (all 50000) or "test" (10000; 5000 in a notebook being graded) split."""
    if split == "test":
        files = ["test_batch"]
    elif split in ("train", "val", "trainval"):
        files = [f"data_batch_{b}" for b in range(1, 6)]
    else:
        raise ValueError(f"load_cifar10_images: unknown split {split!r} (train, val, trainval or test)")
    if not os.path.isdir(cifar10_dir):
        raise FileNotFoundError(f"CIFAR-10 not found at {cifar10_dir!r}: run `python -m gradekit data cifar10`")
    parts = [read_batch(os.path.join(cifar10_dir, name)) for name in files]
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    if split == "train":
        return X[:NUM_TRAIN], y[:NUM_TRAIN]
    if split == "val":
        return X[NUM_TRAIN:], y[NUM_TRAIN:]
    return X, y


def read_batch(filename):
    """One python batch file as uint8 images (10000, 32, 32, 3) and int64 labels."""
    with open(filename, "rb") as f:
        batch = load_pickle(f)
    return batch["data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), np.asarray(batch["labels"], dtype=np.int64)


def cifar10_loaders(cifar10_dir, batch_size=64, flip=False):
    """The notebook's three loaders, as the course builds them: `loader_train` samples training
    images 0..48999 in random order (mirrored at random with `flip`), `loader_val` images
    49000..49999, `loader_test` the test batch in order."""
    X, y = load_cifar10_images(cifar10_dir, "trainval")
    X_test, y_test = load_cifar10_images(cifar10_dir, "test")
    train = CIFAR10Images(X, y, flip=flip)
    val = CIFAR10Images(X, y)
    return (DataLoader(train, batch_size=batch_size, sampler=SubsetRandomSampler(range(NUM_TRAIN))),
            DataLoader(val, batch_size=batch_size, sampler=SubsetRandomSampler(range(NUM_TRAIN, len(y)))),
            DataLoader(CIFAR10Images(X_test, y_test, train=False), batch_size=batch_size))


def predict(model, images, batch_size=500):
    """The labels `model` (in eval mode, without gradients) predicts for uint8 images (N, 32, 32, 3)."""
    model.eval()
    with torch.no_grad():
        return np.concatenate([model(normalize(images[i:i + batch_size])).argmax(1).numpy()
                               for i in range(0, len(images), batch_size)])
