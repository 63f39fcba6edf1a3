"""The assignment-3 captioning loader (solutions/assignment3/cs231n/coco_utils.py, and image_utils.py's
image_from_url) on the files `gradekit data captions` writes (tests/test_captions.py) and on a
hand-built set in the official layout."""
import numpy as np
import pytest

from conftest import SMALL, course_module

pytestmark = pytest.mark.unit

coco_utils = course_module("assignment3", "coco_utils")
image_utils = course_module("assignment3", "image_utils")


def test_load_coco_data_loads_a_generated_set(generated):
    loaded = coco_utils.load_coco_data(base_dir=generated)
    assert sorted(loaded) == sorted(["train_captions", "train_image_idxs", "val_captions", "val_image_idxs",
                                     "train_features", "val_features", "idx_to_word", "word_to_idx",
                                     "train_urls", "val_urls"])
    assert loaded["train_features"].shape == (SMALL["num_train"], 512)
    assert loaded["val_urls"].shape == (SMALL["num_val"],) and loaded["val_urls"][0].startswith("file://")


def test_the_generated_urls_are_images_that_image_from_url_reads(generated):
    url = coco_utils.load_coco_data(base_dir=generated)["train_urls"][3]
    image = image_utils.image_from_url(url)
    assert image.shape == (96, 96, 3) and image.dtype == np.uint8


def test_load_coco_data_loads_a_hand_built_set_in_the_real_layout(real_layout):
    loaded = coco_utils.load_coco_data(base_dir=real_layout)
    assert loaded["train_captions"].shape == (3, 17) and loaded["train_features"].shape == (2, 512)
    assert loaded["idx_to_word"][5] == "cat" and loaded["word_to_idx"]["mat"] == 7
    assert list(loaded["val_urls"]) == ["http://farm0.staticflickr.com/val_0.jpg"]  # left as they are


def test_max_train_samples_captions_with_replacement_and_keeps_every_feature(generated):
    np.random.seed(0)
    loaded = coco_utils.load_coco_data(base_dir=generated, max_train=500)
    full = coco_utils.load_coco_data(base_dir=generated)
    assert loaded["train_captions"].shape == (500, 17) and loaded["train_image_idxs"].shape == (500,)
    assert len(loaded["train_captions"]) > len(full["train_captions"])  # only with replacement
    assert loaded["train_features"].shape == full["train_features"].shape
    assert loaded["val_captions"].shape == full["val_captions"].shape


def test_pca_features_false_loads_the_4096_wide_fc7_features(generated):
    loaded = coco_utils.load_coco_data(base_dir=generated, pca_features=False)
    assert loaded["train_features"].shape == (SMALL["num_train"], 4096)


def test_a_missing_folder_says_how_to_get_the_data(tmp_path):
    with pytest.raises(FileNotFoundError, match="gradekit data captions"):
        coco_utils.load_coco_data(base_dir=str(tmp_path / "coco_captioning"))


def test_decode_captions_round_trips_one_caption_and_a_batch(generated):
    loaded = coco_utils.load_coco_data(base_dir=generated)
    text = "a big red circle to the left of a small blue square"
    encoded = np.array([1] + [loaded["word_to_idx"][w] for w in text.split()] + [2, 0, 0])
    assert coco_utils.decode_captions(encoded, loaded["idx_to_word"]) == f"<START> {text} <END>"
    batch = loaded["train_captions"][:4]
    decoded = coco_utils.decode_captions(batch, loaded["idx_to_word"])
    again = [[loaded["word_to_idx"][w] for w in d.split()] for d in decoded]
    assert [list(row[row != 0]) for row in batch] == again


def test_sample_coco_minibatch_returns_matching_captions_features_and_urls(generated):
    loaded = coco_utils.load_coco_data(base_dir=generated)
    np.random.seed(1)
    caps, feats, urls = coco_utils.sample_coco_minibatch(loaded, batch_size=7, split="val")
    assert caps.shape == (7, 17) and feats.shape == (7, 512) and urls.shape == (7,)
    assert all(any((feats[i] == loaded["val_features"][j]).all() and urls[i] == loaded["val_urls"][j]
                   for j in range(SMALL["num_val"])) for i in range(7))
