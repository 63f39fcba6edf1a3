"""The ImageNet sample and SqueezeNet as the network-visualization checks use them (public and
hidden checks, and the expected values computed from the reference)."""
import os

import numpy as np

MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])


def imagenet(data_dir):
    """(X uint8 (25, 224, 224, 3), y) of imagenet_val_25.npz, read without its pickled label map."""
    with np.load(os.path.join(data_dir, "imagenet_val_25", "imagenet_val_25.npz"), allow_pickle=False) as npz:
        return npz["X"], npz["y"].astype(np.int64)


def normalised(images, crop=None):
    """uint8 (N, H, W, 3) -> the model's float64 input (N, 3, H, W), as the notebook's `preprocess`
    normalises; optionally the central crop x crop."""
    if crop is not None:
        top, left = (images.shape[1] - crop) // 2, (images.shape[2] - crop) // 2
        images = images[:, top:top + crop, left:left + crop]
    return ((images / 255.0 - MEAN) / STD).transpose(0, 3, 1, 2).copy()


def squeezenet(process, data_dir, float64=False):
    """SqueezeNet with the course's input convention, kept in `process` (worker or reference)."""
    model = process.call("cs231n.squeezenet.load_squeezenet", os.path.join(data_dir, "squeezenet"),
                         input="imagenet", keep=True)
    return model.double() if float64 else model
