"""Utility functions for viewing and processing images (provided code, as in the course).

`image_from_url` reads http(s) URLs (the real COCO images on Flickr, which need internet) and the
file:// URLs of the offline captioning data alike.
"""
import io
import urllib.error
import urllib.request

import numpy as np
from PIL import Image


def blur_image(X):
    """
    A very gentle image blurring operation, to be used as a regularizer for
    image generation.

    Inputs:
    - X: Image data of shape (N, 3, H, W)

    Returns:
    - X_blur: Blurred version of X, of shape (N, 3, H, W)
    """
    # The course convolves each channel with this 3x3 kernel (zero padding 1, stride 1).
    kernel = np.asarray([[1, 2, 1], [2, 188, 2], [1, 2, 1]], dtype=np.float32) / 200.0
    padded = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)))
    H, W = X.shape[2], X.shape[3]
    out = np.zeros(X.shape, dtype=np.result_type(X, np.float32))
    for i in range(3):
        for j in range(3):
            out += kernel[i, j] * padded[:, :, i:i + H, j:j + W]
    return out


SQUEEZENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
SQUEEZENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def preprocess_image(img):
    """Preprocess an image for squeezenet.

    Subtracts the pixel mean and divides by the standard deviation.
    """
    return (img.astype(np.float32) / 255.0 - SQUEEZENET_MEAN) / SQUEEZENET_STD


def deprocess_image(img, rescale=False):
    """Undo preprocessing on an image and convert back to uint8."""
    img = (img * SQUEEZENET_STD + SQUEEZENET_MEAN)
    if rescale:
        vmin, vmax = img.min(), img.max()
        img = (img - vmin) / (vmax - vmin)
    return np.clip(255 * img, 0.0, 255.0).astype(np.uint8)


def image_from_url(url):
    """
    Read an image from a URL (http(s) or file://). Returns a numpy array with the pixel data,
    or None (after printing why) if it cannot be read.
    """
    try:
        with urllib.request.urlopen(url, timeout=30) as f:
            return np.asarray(Image.open(io.BytesIO(f.read())))
    except urllib.error.HTTPError as e:
        print('HTTP Error: ', e.code, url)
    except urllib.error.URLError as e:
        print('URL Error: ', e.reason, url)
    except OSError as e:
        print('Error: ', e, url)


def load_image(filename, size=None):
    """Load and resize an image from disk.

    Inputs:
    - filename: path to file
    - size: size of shortest dimension after rescaling
    """
    img = np.asarray(Image.open(filename))
    if size is not None:
        orig_shape = np.array(img.shape[:2])
        min_idx = np.argmin(orig_shape)
        scale_factor = float(size) / orig_shape[min_idx]
        new_shape = (orig_shape * scale_factor).astype(int)
        img = np.array(Image.fromarray(img).resize((int(new_shape[1]), int(new_shape[0]))))
    return img
