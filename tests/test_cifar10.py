"""`gradekit data cifar10`: from a local archive or folder, or downloaded and md5-checked."""
import os
import tarfile

import pytest

from gradekit.data import DataError, cifar10
from gradekit.data.fetch import checksum
from conftest import SHARED_DATA, course_module

pytestmark = pytest.mark.unit

ARCHIVE = os.path.join(SHARED_DATA, "cifar-10-python.tar.gz")


def test_a_local_archive_is_extracted_and_verified(tmp_path):
    folder = cifar10.fetch_cifar10(str(tmp_path), ARCHIVE, log=lambda *_: None)
    assert sorted(os.listdir(folder))[:2] == ["batches.meta", "data_batch_1"]
    cifar10.verify_cifar10(folder)


def test_an_extracted_folder_is_accepted(tmp_path, data_dir):
    folder = cifar10.fetch_cifar10(str(tmp_path), os.path.join(data_dir, "cifar-10-batches-py"),
                                log=lambda *_: None)
    assert os.path.exists(os.path.join(folder, "test_batch"))


@pytest.fixture(scope="module")
def repacked(tmp_path_factory, data_dir):
    """A complete CIFAR-10 archive that is certainly not the official file (packed here)."""
    path = tmp_path_factory.mktemp("repacked") / "cifar-10-python.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        tar.add(os.path.join(data_dir, "cifar-10-batches-py"), arcname="cifar-10-batches-py")
    assert checksum(str(path), "md5") != cifar10.CIFAR10["md5"]
    return path


def test_the_download_path_checks_the_official_md5(tmp_path, monkeypatch, repacked):
    monkeypatch.setitem(cifar10.CIFAR10, "url", repacked.as_uri())
    with pytest.raises(DataError, match="is not the official"):
        cifar10.fetch_cifar10(str(tmp_path / "out"), log=lambda *_: None)


def test_the_download_path_accepts_an_archive_with_the_right_md5(tmp_path, monkeypatch, repacked):
    monkeypatch.setitem(cifar10.CIFAR10, "url", repacked.as_uri())
    monkeypatch.setitem(cifar10.CIFAR10, "md5", checksum(str(repacked), "md5"))
    assert os.path.isdir(cifar10.fetch_cifar10(str(tmp_path / "out"), log=lambda *_: None))


def test_a_truncated_archive_is_refused_naming_the_file(tmp_path):
    broken = tmp_path / "cifar-10-python.tar.gz"
    broken.write_bytes(open(ARCHIVE, "rb").read(100_000))
    with pytest.raises(DataError, match=str(broken)):
        cifar10.fetch_cifar10(str(tmp_path / "out"), str(broken), log=lambda *_: None)


def test_an_archive_missing_a_batch_is_refused_naming_it(tmp_path, data_dir):
    partial = tmp_path / "partial.tar.gz"
    with tarfile.open(partial, "w:gz") as tar:
        tar.add(os.path.join(data_dir, "cifar-10-batches-py", "batches.meta"),
                arcname="cifar-10-batches-py/batches.meta")
    with pytest.raises(DataError, match="data_batch_1: missing"):
        cifar10.fetch_cifar10(str(tmp_path / "out"), str(partial), log=lambda *_: None)


def test_a_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no such file or folder"):
        cifar10.fetch_cifar10(str(tmp_path), str(tmp_path / "nowhere.tar.gz"))


def tiny_cifar10(folder, rows=3):
    """A cifar-10-batches-py folder of `rows` random images per batch; returns {batch: (data, labels)}."""
    import pickle

    import numpy as np

    rng, batches = np.random.default_rng(0), {}
    os.makedirs(folder)
    for name in cifar10.CIFAR10["batches"]:
        data, labels = rng.integers(0, 256, (rows, 3072), dtype=np.uint8), rng.integers(0, 10, rows).tolist()
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump({"data": data, "labels": labels}, f)
        batches[name] = data, labels
    return batches


@pytest.mark.parametrize("loader", ["grader", "assignment1", "assignment2"])
def test_the_images_are_the_rows_of_the_batches_as_float_height_width_channels(tmp_path, loader):
    """Row i of a batch holds the red, then green, then blue 32x32 plane of image i: the loaders
    (the grader's and the course's) give it as float64 (32, 32, 3), the training batches in order."""
    import numpy as np

    batches = tiny_cifar10(str(tmp_path / "cifar-10-batches-py"))
    if loader == "grader":
        X, y, X_test, y_test = cifar10.load_cifar10(str(tmp_path))
    else:
        X, y, X_test, y_test = course_module(loader, "data_utils").load_CIFAR10(str(tmp_path / "cifar-10-batches-py"))
    train = [batches[f"data_batch_{i}"] for i in range(1, 6)]
    as_images = lambda rows: rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float64)  # noqa: E731
    assert X.dtype == X_test.dtype == np.float64
    assert np.array_equal(X, np.concatenate([as_images(data) for data, _ in train]))
    assert np.array_equal(y, sum((labels for _, labels in train), []))
    assert np.array_equal(X_test, as_images(batches["test_batch"][0]))
    assert np.array_equal(y_test, batches["test_batch"][1])
