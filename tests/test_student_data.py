"""The data a graded notebook gets: CIFAR-10 without the held-out test images, made once and reused."""
import os
import pickle
import stat

import numpy as np
import pytest

from gradekit import student_data

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
