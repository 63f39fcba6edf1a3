"""Loading the course's data files (provided code)."""
import os

import numpy as np


def load_imagenet_val(num=None, path='cs231n/datasets/imagenet_val_25'):
    """Load a handful of validation images from ImageNet.

    Inputs:
    - num: Number of images to load (max of 25)
    - path: The folder holding imagenet_val_25.npz (`python -m gradekit data imagenet25`), or the file

    Returns:
    - X: numpy array with shape [num, 224, 224, 3], uint8 RGB
    - y: numpy array of integer image labels, shape [num]
    - class_names: dict mapping integer label to class name
    """
    imagenet_fn = os.path.join(path, 'imagenet_val_25.npz') if os.path.isdir(path) else path
    if not os.path.isfile(imagenet_fn):
        raise FileNotFoundError(f'file {imagenet_fn} not found: run `python -m gradekit data imagenet25 '
                                f'--dest cs231n/datasets` to get it')
    # label_map is a pickled dict inside the course's npz (a checksummed course file).
    with np.load(imagenet_fn, allow_pickle=True) as f:
        X, y, class_names = f['X'], f['y'], f['label_map'].item()
    if num is not None:
        X, y = X[:num], y[:num]
    return X, y, class_names
