"""The data a graded notebook gets: CIFAR-10 without the held-out test images and the captioning
data without the held-out val images' captions, each made once and reused."""
import importlib.util
import os
import pickle
import stat

import h5py
import numpy as np
import pytest

from gradekit.data import captions, student_data
from gradekit.data.fetch import checksum
from conftest import REPO

pytestmark = pytest.mark.unit


def fake_cifar10(folder, test_images=6000):
    """A CIFAR-10-shaped folder: five train batches and a test batch of `test_images` tiny images."""
    os.makedirs(folder)
    rng = np.random.default_rng(0)
    for name, count in [*((f"data_batch_{i}", 10) for i in range(1, 6)), ("test_batch", test_images)]:
        batch = {"batch_label": name, "labels": list(rng.integers(0, 10, count)),
                 "data": rng.integers(0, 256, (count, 12), dtype=np.uint8),
                 "filenames": [f"{name}_{i}.png" for i in range(count)]}
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(batch, f, protocol=2)
    with open(os.path.join(folder, "batches.meta"), "wb") as f:
        pickle.dump({"label_names": [str(i) for i in range(10)]}, f, protocol=2)
    return folder


def read(path):
    with open(path, "rb") as f:
        return pickle.load(f, encoding="latin1")


@pytest.fixture
def data_dir(tmp_path):
    fake_cifar10(str(tmp_path / "data" / "cifar-10-batches-py"))
    os.makedirs(tmp_path / "data" / "mnist")
    return str(tmp_path / "data")


def test_the_notebooks_test_batch_stops_where_the_held_out_images_begin(data_dir, tmp_path):
    folder = student_data.folders(data_dir, ["cifar10"], cache=str(tmp_path / "cache"))["cifar10"]
    full, given = read(os.path.join(data_dir, "cifar-10-batches-py", "test_batch")), read(os.path.join(folder, "test_batch"))
    assert len(given["labels"]) == len(given["filenames"]) == given["data"].shape[0] == student_data.HELD_OUT_FROM
    assert np.array_equal(given["data"], full["data"][:student_data.HELD_OUT_FROM])
    assert given["labels"] == full["labels"][:student_data.HELD_OUT_FROM]


def test_the_training_batches_are_given_whole(data_dir, tmp_path):
    folder = student_data.folders(data_dir, ["cifar10"], cache=str(tmp_path / "cache"))["cifar10"]
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["batches.meta"]:
        with open(os.path.join(folder, name), "rb") as mine, \
                open(os.path.join(data_dir, "cifar-10-batches-py", name), "rb") as theirs:
            assert mine.read() == theirs.read(), name


def test_the_copy_is_made_once_and_reused(data_dir, tmp_path):
    cache = str(tmp_path / "cache")
    first = student_data.folders(data_dir, ["cifar10"], cache=cache)["cifar10"]
    made = os.stat(os.path.join(first, "test_batch")).st_mtime_ns
    assert student_data.folders(data_dir, ["cifar10"], cache=cache)["cifar10"] == first
    assert os.stat(os.path.join(first, "test_batch")).st_mtime_ns == made


def test_another_test_batch_gets_a_copy_of_its_own(data_dir, tmp_path):
    cache = str(tmp_path / "cache")
    first = student_data.folders(data_dir, ["cifar10"], cache=cache)["cifar10"]
    other = fake_cifar10(str(tmp_path / "other" / "cifar-10-batches-py"), test_images=7000)
    second = student_data.folders(os.path.dirname(other), ["cifar10"], cache=cache)["cifar10"]
    assert second != first and len(read(os.path.join(second, "test_batch"))["labels"]) == student_data.HELD_OUT_FROM


def test_the_copy_is_readable_by_the_sandboxs_uid(data_dir, tmp_path):
    folder = student_data.folders(data_dir, ["cifar10"], cache=str(tmp_path / "cache"))["cifar10"]
    assert os.stat(folder).st_mode & stat.S_IROTH and os.stat(folder).st_mode & stat.S_IXOTH
    assert os.stat(os.path.join(folder, "test_batch")).st_mode & stat.S_IROTH


def test_other_datasets_are_given_as_they_are(data_dir, tmp_path):
    folders = student_data.folders(data_dir, ["cifar10", "mnist"], cache=str(tmp_path / "cache"))
    assert folders["mnist"] == os.path.join(os.path.abspath(data_dir), "mnist")
    assert not folders["cifar10"].startswith(os.path.abspath(data_dir))


def test_the_notebook_parameters_name_the_copy(data_dir, tmp_path):
    cache = str(tmp_path / "cache")
    parameters = student_data.parameters(student_data.folders(data_dir, ["cifar10", "mnist"], cache=cache))
    assert parameters == {"cifar10_dir": student_data.folders(data_dir, ["cifar10"], cache=cache)["cifar10"],
                          "mnist_dir": os.path.join(os.path.abspath(data_dir), "mnist")}


# --- the captioning data ------------------------------------------------------------------------

def generated_captions(dest, seed=captions.DEFAULT_SEED):
    """A small generated captioning set (60 train, 20 val images) in `dest`/coco_captioning."""
    return captions.fetch_captions(dest, seed=seed, num_train=60, num_val=20, log=lambda *_: None)


@pytest.fixture(scope="module")
def captions_data(tmp_path_factory):
    """A data folder holding a small generated captioning set (its SHA256SUMS too)."""
    dest = str(tmp_path_factory.mktemp("captions_data"))
    generated_captions(dest)
    return dest


def given_captions(data_dir, cache):
    return student_data.folders(data_dir, ["captions"], cache=str(cache))["captions"]


def read_captions(folder):
    with h5py.File(os.path.join(folder, captions.CAPTIONS_FILE), "r") as f:
        return {key: np.asarray(value) for key, value in f.items()}


def course_loader():
    """cs231n.coco_utils of the assignment-3 reference, imported by path."""
    path = os.path.join(REPO, "solutions", "assignment3", "cs231n", "coco_utils.py")
    spec = importlib.util.spec_from_file_location("a3_coco_utils", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_notebooks_captions_lack_the_held_out_val_images_captions(captions_data, tmp_path):
    full = read_captions(os.path.join(captions_data, "coco_captioning"))
    given = read_captions(given_captions(captions_data, tmp_path / "cache"))
    held_out_from = student_data.captions_held_out_from(20)
    kept = full["val_image_idxs"] < held_out_from
    assert 0 < kept.sum() < len(kept)
    assert np.array_equal(given["val_image_idxs"], full["val_image_idxs"][kept])
    assert np.array_equal(given["val_captions"], full["val_captions"][kept])


def test_the_captions_held_out_val_images_are_the_second_half():
    assert [student_data.captions_held_out_from(n) for n in (20, 1000, 40504)] == [10, 500, 20252]


def test_the_training_captions_and_every_other_file_are_given_whole(captions_data, tmp_path):
    source = os.path.join(captions_data, "coco_captioning")
    folder = given_captions(captions_data, tmp_path / "cache")
    full, given = read_captions(source), read_captions(folder)
    assert all(np.array_equal(given[k], full[k]) for k in ("train_captions", "train_image_idxs"))
    files = sorted(os.path.relpath(os.path.join(root, name), source) for root, _, names in os.walk(source)
                   for name in names if name not in (captions.CAPTIONS_FILE, captions.MANIFEST))
    assert any(name.startswith("images") for name in files)
    for name in files:
        with open(os.path.join(folder, name), "rb") as mine, open(os.path.join(source, name), "rb") as theirs:
            assert mine.read() == theirs.read(), name


def test_the_captions_copy_loads_with_the_course_loader(captions_data, tmp_path):
    folder = given_captions(captions_data, tmp_path / "cache")
    loaded = course_loader().load_coco_data(base_dir=folder)
    assert loaded["val_image_idxs"].max() < student_data.captions_held_out_from(20)
    assert loaded["val_features"].shape[0] == len(loaded["val_urls"]) == 20
    assert loaded["val_urls"][19].startswith("file://" + folder)


def test_the_captions_copy_passes_the_fetchs_checks_its_manifest_included(captions_data, tmp_path):
    folder = given_captions(captions_data, tmp_path / "cache")
    captions.verify_coco(folder)
    with open(os.path.join(folder, captions.MANIFEST)) as f:
        assert f"{checksum(os.path.join(folder, captions.CAPTIONS_FILE))}  {captions.CAPTIONS_FILE}\n" in f.read()


def test_the_captions_copy_is_made_once_and_reused(captions_data, tmp_path):
    first = given_captions(captions_data, tmp_path / "cache")
    made = os.stat(os.path.join(first, captions.CAPTIONS_FILE)).st_mtime_ns
    assert given_captions(captions_data, tmp_path / "cache") == first
    assert os.stat(os.path.join(first, captions.CAPTIONS_FILE)).st_mtime_ns == made


def test_another_captions_file_gets_a_copy_of_its_own(captions_data, tmp_path):
    first = given_captions(captions_data, tmp_path / "cache")
    other = os.path.dirname(generated_captions(str(tmp_path / "other"), seed=5))
    second = given_captions(other, tmp_path / "cache")
    assert second != first
    assert np.array_equal(read_captions(second)["train_captions"],
                          read_captions(os.path.join(other, "coco_captioning"))["train_captions"])


def test_the_captions_copy_is_readable_by_the_sandboxs_uid(captions_data, tmp_path):
    folder = given_captions(captions_data, tmp_path / "cache")
    for root, folders, names in os.walk(os.path.dirname(folder)):  # the folder named by the digest too
        assert os.stat(root).st_mode & stat.S_IROTH and os.stat(root).st_mode & stat.S_IXOTH, root
        for name in names:
            assert os.stat(os.path.join(root, name)).st_mode & stat.S_IROTH, os.path.join(root, name)


def test_the_hidden_bleu_check_scores_only_val_images_whose_captions_the_notebooks_lack(captions_data, tmp_path):
    from gradekit.autograde.plugin import Reference

    path = os.path.join(REPO, "autograder", "assignment3", "hidden", "test_lstm_captioning.py")
    spec = importlib.util.spec_from_file_location("a3_hidden_lstm", path)
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    coco = course_loader().load_coco_data(base_dir=os.path.join(captions_data, "coco_captioning"))
    images, references = check.held_out_val_references(Reference(os.path.join(REPO, "solutions", "assignment3")), coco)
    given = read_captions(given_captions(captions_data, tmp_path / "cache"))["val_image_idxs"]
    assert list(images) == list(range(student_data.captions_held_out_from(20), 20))
    assert not set(images.tolist()) & set(given.tolist())
    assert [len(r) for r in references] == [np.sum(coco["val_image_idxs"] == i) for i in images]
