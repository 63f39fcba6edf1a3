"""`gradekit data captions`: the COCO captioning layout, generated offline or copied, and its loader."""
import importlib.util
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
from conftest import REPO

pytestmark = pytest.mark.unit

A3 = os.path.join(REPO, "solutions", "assignment3", "cs231n")
SMALL = {"num_train": 60, "num_val": 20}
quiet = {"log": lambda *_: None}


def solution_module(name):
    """A module of the assignment-3 reference package, imported by path."""
    spec = importlib.util.spec_from_file_location(f"a3_{name}", os.path.join(A3, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


coco_utils = solution_module("coco_utils")
image_utils = solution_module("image_utils")


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """A small generated set, fetched the way `gradekit data captions` does."""
    return captions.fetch_captions(str(tmp_path_factory.mktemp("gen")), **SMALL, **quiet)


def write_real_layout(folder):
    """A tiny hand-built file set in the official layout (Flickr URLs, no images, no manifest)."""
    os.makedirs(folder)
    words = captions.SPECIAL + ["a", "cat", "on", "mat", "dog"]
    with open(os.path.join(folder, "coco2014_vocab.json"), "w") as f:
        json.dump({"idx_to_word": words, "word_to_idx": {w: i for i, w in enumerate(words)}}, f)
    caption = lambda *ids: list(ids) + [0] * (17 - len(ids))  # noqa: E731
    with h5py.File(os.path.join(folder, "coco2014_captions.h5"), "w") as f:
        f["train_captions"] = np.array([caption(1, 4, 5, 6, 4, 7, 2), caption(1, 4, 8, 2),
                                        caption(1, 5, 3, 2)], dtype=np.int32)
        f["train_image_idxs"] = np.array([0, 1, 0], dtype=np.int32)
        f["val_captions"] = np.array([caption(1, 4, 8, 2), caption(1, 8, 2)], dtype=np.int32)
        f["val_image_idxs"] = np.array([0, 0], dtype=np.int32)
    for split, n in (("train", 2), ("val", 1)):
        for suffix, dim in (("_pca", 512), ("", 4096)):
            with h5py.File(os.path.join(folder, f"{split}2014_vgg16_fc7{suffix}.h5"), "w") as f:
                f["features"] = np.arange(n * dim, dtype=np.float32).reshape(n, dim)
        with open(os.path.join(folder, f"{split}2014_urls.txt"), "w") as f:
            f.writelines(f"http://farm{i}.staticflickr.com/{split}_{i}.jpg\n" for i in range(n))
    return folder


@pytest.fixture
def real_layout(tmp_path):
    return write_real_layout(str(tmp_path / "download" / "coco_captioning"))


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


# --- the loader (solutions/assignment3/cs231n/coco_utils.py) -----------------------------------

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
