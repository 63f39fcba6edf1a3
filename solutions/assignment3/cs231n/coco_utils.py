"""Loading the COCO captioning data (provided code, as in the course).

The folder holds the course's files: `coco2014_captions.h5`, `coco2014_vocab.json`, the VGG-16
fc7 features (`*_vgg16_fc7.h5`, and `*_vgg16_fc7_pca.h5` reduced to 512 dimensions) and one URL
per image (`*_urls.txt`). Get it with `python -m gradekit data captions --dest cs231n/datasets`:
`--from` a copy of the official download, or without it an offline stand-in with the same layout.
"""
import json
import os
from urllib.parse import urljoin
from pathlib import Path

import h5py
import numpy as np

BASE_DIR = "cs231n/datasets/coco_captioning"


def load_coco_data(base_dir=BASE_DIR, max_train=None, pca_features=True):
    """Load the captioning data into a dict.

    Inputs:
    - base_dir: the coco_captioning folder.
    - max_train: if not None, keep this many training captions, drawn at random with replacement
      (np.random.randint); the features of every image are kept.
    - pca_features: the 512-d PCA features if True, else the 4096-d fc7 features.

    Returns a dict with the h5 datasets (train_captions, train_image_idxs, val_captions,
    val_image_idxs: captions are (N, 17) word indices, image_idxs say which image each caption
    describes), train_features and val_features (one row per image), idx_to_word (list),
    word_to_idx (dict), train_urls and val_urls (numpy string arrays, one per image).
    """
    caption_file = os.path.join(base_dir, "coco2014_captions.h5")
    if not os.path.exists(caption_file):
        raise FileNotFoundError(
            f"{caption_file} not found: run `python -m gradekit data captions --dest "
            f"{os.path.dirname(os.path.normpath(base_dir)) or '.'}` (add --from with a copy of the "
            "official coco_captioning download if you have one)")
    data = {}
    with h5py.File(caption_file, "r") as f:
        for k, v in f.items():
            data[k] = np.asarray(v)

    suffix = "_pca" if pca_features else ""
    for split in ("train", "val"):
        with h5py.File(os.path.join(base_dir, f"{split}2014_vgg16_fc7{suffix}.h5"), "r") as f:
            data[f"{split}_features"] = np.asarray(f["features"])

    with open(os.path.join(base_dir, "coco2014_vocab.json"), "r") as f:
        dict_data = json.load(f)
        for k, v in dict_data.items():
            data[k] = v

    for split in ("train", "val"):
        with open(os.path.join(base_dir, f"{split}2014_urls.txt"), "r") as f:
            data[f"{split}_urls"] = resolve_urls([line.strip() for line in f], base_dir)

    # Maybe subsample the training data
    if max_train is not None:
        num_train = data["train_captions"].shape[0]
        mask = np.random.randint(num_train, size=max_train)
        data["train_captions"] = data["train_captions"][mask]
        data["train_image_idxs"] = data["train_image_idxs"][mask]

    return data


def resolve_urls(urls, base_dir):
    """Absolute URLs (the real Flickr ones) as they are; relative ones (the offline stand-in's
    `images/train/000000.png`) as file:// URLs into `base_dir`, wherever the folder now lives."""
    base = Path(base_dir).resolve().as_uri() + "/"
    return np.asarray([url if "://" in url else urljoin(base, url) for url in urls])


def decode_captions(captions, idx_to_word):
    """Word indices to strings: <NULL> dropped, stopping after <END> (which is kept).

    Accepts one caption (T,) -> str, or a batch (N, T) -> list of N strings.
    """
    singleton = False
    if captions.ndim == 1:
        singleton = True
        captions = captions[None]
    decoded = []
    N, T = captions.shape
    for i in range(N):
        words = []
        for t in range(T):
            word = idx_to_word[captions[i, t]]
            if word != "<NULL>":
                words.append(word)
            if word == "<END>":
                break
        decoded.append(" ".join(words))
    if singleton:
        decoded = decoded[0]
    return decoded


def sample_coco_minibatch(data, batch_size=100, split="train"):
    """A random minibatch (with replacement): captions (B, T), image_features (B, D), urls (B,)."""
    split_size = data["%s_captions" % split].shape[0]
    mask = np.random.choice(split_size, batch_size)
    captions = data["%s_captions" % split][mask]
    image_idxs = data["%s_image_idxs" % split][mask]
    image_features = data["%s_features" % split][image_idxs]
    urls = data["%s_urls" % split][image_idxs]
    return captions, image_features, urls
