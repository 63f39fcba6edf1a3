"""`gradekit data captions` (gradekit/data/captions.py): the COCO captioning layout, generated offline
or copied, and verified. The course's loader of it is tested beside the course, in
tests/course/assignment3/test_coco_utils.py."""
import json
import os
import shutil
import subprocess
import sys
import zipfile

import h5py
import numpy as np
import pytest

from gradekit import data
from gradekit.data import captions
from conftest import REPO, SMALL, course_module, quiet

pytestmark = pytest.mark.unit

coco_utils = course_module("assignment3", "coco_utils")  # one test reads a moved copy with the course's loader
image_utils = course_module("assignment3", "image_utils")


def read_tree(folder):
    return {os.path.relpath(os.path.join(root, name), folder): open(os.path.join(root, name), "rb").read()
            for root, _, names in os.walk(folder) for name in names}


# --- the generator ------------------------------------------------------------------------------

def test_the_same_seed_gives_identical_bytes(tmp_path):
    first = captions.generate(str(tmp_path / "a"), seed=5, num_train=30, num_val=10)
    second = captions.generate(str(tmp_path / "b"), seed=5, num_train=30, num_val=10)
    assert read_tree(first) == read_tree(second)


def test_another_seed_gives_another_dataset(tmp_path):
    first = captions.generate(str(tmp_path / "a"), seed=5, num_train=30, num_val=10)
    second = captions.generate(str(tmp_path / "b"), seed=6, num_train=30, num_val=10)
    assert read_tree(first)["coco2014_captions.h5"] != read_tree(second)["coco2014_captions.h5"]


def test_the_files_are_those_of_the_real_download_plus_images_and_a_manifest(generated):
    assert sorted(os.listdir(generated)) == sorted(captions.REQUIRED + ["SHA256SUMS", "images"])
    with h5py.File(os.path.join(generated, "coco2014_captions.h5")) as f:
        assert sorted(f) == ["train_captions", "train_image_idxs", "val_captions", "val_image_idxs"]


def test_captions_are_int32_rows_of_17_from_start_to_end_padded_with_null(generated):
    with h5py.File(os.path.join(generated, "coco2014_captions.h5")) as f:
        for split in ("train", "val"):
            caps, idxs = f[f"{split}_captions"][()], f[f"{split}_image_idxs"][()]
            assert caps.dtype == np.int32 and idxs.dtype == np.int32 and caps.shape[1] == 17
            assert len(caps) == len(idxs) and (caps[:, 0] == 1).all()
            length = (caps != 0).sum(axis=1)
            assert (caps[np.arange(len(caps)), length - 1] == 2).all()  # <END> last, then <NULL>s
            assert all((row[n:] == 0).all() for row, n in zip(caps, length))


def test_every_image_has_three_to_five_captions(generated):
    with h5py.File(os.path.join(generated, "coco2014_captions.h5")) as f:
        counts = np.bincount(f["train_image_idxs"][()], minlength=SMALL["num_train"])
    assert counts.min() >= 3 and counts.max() <= 5


def test_the_vocabulary_starts_with_the_four_special_tokens_and_agrees_with_itself(generated):
    with open(os.path.join(generated, "coco2014_vocab.json")) as f:
        vocab = json.load(f)
    assert list(vocab) == ["idx_to_word", "word_to_idx"]
    assert vocab["idx_to_word"][:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert vocab["word_to_idx"] == {w: i for i, w in enumerate(vocab["idx_to_word"])}


def test_features_are_float32_512_and_4096_wide_with_one_row_and_one_url_per_image(generated):
    for split, n in (("train", SMALL["num_train"]), ("val", SMALL["num_val"])):
        for suffix, dim in (("_pca", 512), ("", 4096)):
            with h5py.File(os.path.join(generated, f"{split}2014_vgg16_fc7{suffix}.h5")) as f:
                assert list(f) == ["features"]
                assert f["features"].dtype == np.float32 and f["features"].shape == (n, dim)
        with open(os.path.join(generated, f"{split}2014_urls.txt")) as f:
            assert len(f.read().splitlines()) == n


def test_rare_words_become_unk():
    dataset = captions.make_dataset(seed=1, num_train=200, num_val=50)
    seen = {w for text in dataset["train"]["texts"] for w in text.split()}
    assert seen - set(dataset["idx_to_word"])  # some words are too rare for the vocabulary...
    assert (dataset["train"]["captions"] == 3).any()  # ...and are encoded as <UNK>


def test_caption_rows_are_shuffled_not_grouped_by_image(generated):
    with h5py.File(os.path.join(generated, "coco2014_captions.h5")) as f:
        idxs = f["train_image_idxs"][()]
    assert (np.diff(idxs) < 0).any()


def test_a_linear_probe_reads_the_first_objects_colour_and_shape_from_the_features():
    dataset = captions.make_dataset(seed=2, num_train=600, num_val=200)
    X = {s: np.hstack([dataset[s]["pca"], np.ones((len(dataset[s]["pca"]), 1))]) for s in ("train", "val")}
    for attribute, values in (("colour", captions.COLOURS), ("shape", captions.SHAPES)):
        y = {s: np.array([values.index(sc["objects"][0][attribute]) for sc in dataset[s]["scenes"]])
             for s in ("train", "val")}
        targets = np.eye(len(values))[y["train"]]
        W = np.linalg.solve(X["train"].T @ X["train"] + 1.0 * np.eye(X["train"].shape[1]), X["train"].T @ targets)
        assert (np.argmax(X["val"] @ W, axis=1) == y["val"]).mean() > 0.9, attribute


# --- fetching: --from a copy, verification ------------------------------------------------------

def test_a_folder_in_the_real_layout_is_verified_and_copied(tmp_path, real_layout):
    target = captions.fetch_captions(str(tmp_path / "dest"), os.path.dirname(real_layout), **quiet)
    assert target == str(tmp_path / "dest" / "coco_captioning")
    assert read_tree(target) == read_tree(real_layout)


def test_a_zip_of_the_real_layout_is_accepted(tmp_path, real_layout):
    archive = tmp_path / "coco_captioning.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name in os.listdir(real_layout):
            z.write(os.path.join(real_layout, name), f"coco_captioning/{name}")
    target = captions.fetch_captions(str(tmp_path / "dest"), str(archive), **quiet)
    assert read_tree(target) == read_tree(real_layout)


def test_a_generated_copy_moved_elsewhere_still_finds_its_images(tmp_path, generated):
    target = captions.fetch_captions(str(tmp_path / "elsewhere"), generated, **quiet)
    url = coco_utils.load_coco_data(base_dir=target)["val_urls"][0]
    assert url.startswith((tmp_path / "elsewhere").as_uri())
    assert image_utils.image_from_url(url).shape == (96, 96, 3)


def test_a_missing_file_is_refused_naming_it(tmp_path, real_layout):
    os.remove(os.path.join(real_layout, "val2014_urls.txt"))
    with pytest.raises(data.DataError, match="val2014_urls.txt: missing"):
        captions.fetch_captions(str(tmp_path / "dest"), real_layout, **quiet)


def test_a_corrupt_generated_file_is_refused_naming_it(tmp_path, generated):
    copy = shutil.copytree(generated, str(tmp_path / "copy" / "coco_captioning"))
    image = os.path.join(copy, "images", "train", "000007.png")
    with open(image, "r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01")
    with pytest.raises(data.DataError, match=r"images/train/000007.png: sha256 differs"):
        captions.fetch_captions(str(tmp_path / "dest"), copy, **quiet)


def test_an_unreadable_features_file_is_refused_naming_it(tmp_path, real_layout):
    with open(os.path.join(real_layout, "train2014_vgg16_fc7_pca.h5"), "wb") as f:
        f.write(b"not hdf5")
    with pytest.raises(data.DataError, match="train2014_vgg16_fc7_pca.h5: no readable `features`"):
        captions.fetch_captions(str(tmp_path / "dest"), real_layout, **quiet)


def test_features_without_one_row_per_url_are_refused(tmp_path, real_layout):
    with open(os.path.join(real_layout, "train2014_urls.txt"), "a") as f:
        f.write("http://farm9.staticflickr.com/extra.jpg\n")
    with pytest.raises(data.DataError, match="train2014_vgg16_fc7_pca.h5: features should be"):
        captions.fetch_captions(str(tmp_path / "dest"), real_layout, **quiet)


def test_a_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(data.DataError, match="no such file or folder"):
        captions.fetch_captions(str(tmp_path), str(tmp_path / "nowhere"), **quiet)


def test_the_cli_copies_from_a_folder_and_reports_errors(tmp_path, real_layout):
    run = lambda *args: subprocess.run([sys.executable, "-m", "gradekit", "data", "captions", *args],  # noqa: E731
                                       cwd=REPO, capture_output=True, text=True, timeout=300)
    done = run("--from", real_layout, "--dest", str(tmp_path / "dest"))
    assert done.returncode == 0, done.stderr
    assert os.path.exists(tmp_path / "dest" / "coco_captioning" / "coco2014_captions.h5")
    failed = run("--from", str(tmp_path / "nowhere"), "--dest", str(tmp_path / "dest"))
    assert failed.returncode == 1 and "no such file or folder" in failed.stderr
