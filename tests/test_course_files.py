"""`gradekit data assets|mnist|imagenet25`: checksummed course files, from ../shared/data or downloaded."""
import dataclasses
import gzip
import hashlib
import io
import os
import pathlib
import pickle
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from gradekit.data import DataError, course_files, datasets
from conftest import REPO, SHARED_DATA

pytestmark = pytest.mark.unit

ASSETS = os.path.join(SHARED_DATA, "cs231n_assets")
MNIST = os.path.join(SHARED_DATA, "mnist")
IMAGENET = os.path.join(SHARED_DATA, "imagenet_val_25", "imagenet_val_25.npz")
quiet = {"log": lambda *_: None}


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in pathlib.Path(folder).rglob("*") if p.is_file())


def with_urls(fileset, urls):
    """`fileset` with its download URLs replaced ({old url: new url})."""
    return dataclasses.replace(fileset, files=tuple(dataclasses.replace(f, url=urls.get(f.url, f.url))
                                                    for f in fileset.files))


def copy_of(folder, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return copy


# --------------------------------------------------------------------------------------------
# registry


def test_the_course_files_are_registered_with_their_folders_and_notebook_parameters():
    for name, folder, parameter in [("assets", "cs231n_assets", "assets_dir"), ("mnist", "mnist", "mnist_dir"),
                                    ("imagenet25", "imagenet_val_25", "imagenet_dir"),
                                    ("squeezenet", "squeezenet", "squeezenet_dir")]:
        assert callable(datasets.fetcher(name))
        assert datasets.FOLDERS[name] == folder and datasets.PARAMETERS[name] == parameter
    assert {"cifar10", "captions"} <= set(datasets.FETCHERS)


# --------------------------------------------------------------------------------------------
# assets


def test_the_command_copies_the_assets_from_the_shared_folder(tmp_path):
    done = subprocess.run([sys.executable, "-m", "gradekit", "data", "assets", "--from", ASSETS,
                           "--dest", str(tmp_path / "data")], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "data" / "cs231n_assets"
    assert files_under(folder) == sorted(f.name for f in course_files.ASSETS.files)
    for file in course_files.ASSETS.files:
        assert (("sha256", sha256(folder / file.name)),) == file.digests


def test_the_assets_are_found_in_the_parent_of_their_folder(tmp_path):
    folder = course_files.fetch_assets(str(tmp_path), SHARED_DATA, **quiet)
    assert os.path.isfile(os.path.join(folder, "styles", "tubingen.jpg"))


def course_zips(tmp_path):
    """Zips laid out as the course's assignment zips (decoy copies included) from the shared files."""
    a3, a2 = tmp_path / "spring1819_assignment3.zip", tmp_path / "spring1819_assignment2.zip"
    with zipfile.ZipFile(a3, "w") as z:
        for file in course_files.ASSETS.files:
            if file.name != "puppy.jpg":
                z.write(os.path.join(ASSETS, file.name), "assignment3/" + file.member)
        z.writestr("assignment3/cs231n/styles/muse.jpg", b"not the image")  # a longer path, same ending
    with zipfile.ZipFile(a2, "w") as z:
        z.write(os.path.join(ASSETS, "puppy.jpg"), "assignment2/notebook_images/puppy.jpg")
        z.write(os.path.join(ASSETS, "kitten.jpg"), "assignment2/notebook_images/kitten.jpg")
    return a3, a2


def test_the_download_takes_each_asset_out_of_its_course_zip_by_name(tmp_path):
    a3, a2 = course_zips(tmp_path)
    fileset = with_urls(course_files.ASSETS, {course_files.A3_ZIP: a3.as_uri(), course_files.A2_ZIP: a2.as_uri()})
    folder = course_files.fetch_fileset(fileset, str(tmp_path / "data"), **quiet)
    for file in course_files.ASSETS.files:
        assert sha256(os.path.join(folder, file.name)) == file.digests[0][1]


def test_the_official_zips_in_a_local_folder_are_accepted(tmp_path):
    course_zips(tmp_path)
    folder = course_files.fetch_assets(str(tmp_path / "data"), str(tmp_path), **quiet)
    assert files_under(folder) == sorted(f.name for f in course_files.ASSETS.files)


def test_a_jpg_with_wrong_bytes_is_refused_naming_it(tmp_path):
    copy = copy_of(ASSETS, tmp_path)
    image = copy / "styles" / "muse.jpg"
    data = bytearray(image.read_bytes())
    data[5000] ^= 0xFF
    image.write_bytes(bytes(data))
    with pytest.raises(DataError, match=f"{image}: sha256 [0-9a-f]+ is not the official"):
        course_files.fetch_assets(str(tmp_path / "data"), str(copy), **quiet)


def test_a_missing_asset_is_refused_naming_it(tmp_path):
    copy = copy_of(ASSETS, tmp_path)
    (copy / "sky.jpg").unlink()
    with pytest.raises(DataError, match="missing sky.jpg"):
        course_files.fetch_assets(str(tmp_path / "data"), str(copy), **quiet)


def test_a_new_fetch_replaces_the_folder_whole_and_a_failed_one_leaves_it_alone(tmp_path):
    stale = tmp_path / "data" / "cs231n_assets" / "stale.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("from an older fetch")
    course_files.fetch_assets(str(tmp_path / "data"), ASSETS, **quiet)
    assert not stale.exists()
    with pytest.raises(DataError):
        course_files.fetch_assets(str(tmp_path / "data"), str(tmp_path / "nowhere"), **quiet)
    assert files_under(tmp_path / "data" / "cs231n_assets") == sorted(f.name for f in course_files.ASSETS.files)
    assert os.listdir(tmp_path / "data") == ["cs231n_assets"]  # no temporary folder left behind


# --------------------------------------------------------------------------------------------
# MNIST


def test_mnist_from_the_shared_folder_says_the_rebuilt_train_images_are_not_official(tmp_path):
    logged = []
    folder = course_files.fetch_mnist(str(tmp_path), MNIST, log=logged.append)
    assert files_under(folder) == sorted(course_files.MNIST_FILES)
    notes = [line for line in logged if "not the official file" in line]
    assert len(notes) == 1 and "train-images-idx3-ubyte.gz" in notes[0]


def test_load_mnist_returns_the_uint8_images_and_labels(tmp_path):
    mnist = course_files.load_mnist(course_files.fetch_mnist(str(tmp_path), MNIST, **quiet))
    assert mnist["X_train"].shape == (60000, 28, 28) and mnist["X_test"].shape == (10000, 28, 28)
    assert {a.dtype for a in mnist.values()} == {np.dtype(np.uint8)}
    assert mnist["y_train"][:5].tolist() == [5, 0, 4, 1, 9] and mnist["y_test"][:3].tolist() == [7, 2, 1]
    assert np.bincount(mnist["y_train"]).tolist()[:2] == [5923, 6742]


def test_a_truncated_mnist_gz_is_refused_naming_it(tmp_path):
    copy = copy_of(MNIST, tmp_path)
    broken = copy / "t10k-images-idx3-ubyte.gz"
    broken.write_bytes(broken.read_bytes()[:500_000])
    with pytest.raises(DataError, match=f"{broken}: not a complete gzip file"):
        course_files.fetch_mnist(str(tmp_path / "data"), str(copy), **quiet)


def test_an_idx_file_with_the_wrong_count_is_refused_naming_it(tmp_path):
    copy = copy_of(MNIST, tmp_path)
    labels = copy / "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(labels.read_bytes())
    labels.write_bytes(gzip.compress(raw[:4] + (9999).to_bytes(4, "big") + raw[8:-1]))
    with pytest.raises(DataError, match=f"{labels}: idx array of shape \\(9999,\\), expected \\(10000,\\)"):
        course_files.fetch_mnist(str(tmp_path / "data"), str(copy), **quiet)


def test_a_downloaded_mnist_file_must_have_the_official_md5(tmp_path):
    urls = {f.url: pathlib.Path(MNIST, f.name).as_uri() for f in course_files.MNIST.files}
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz: md5 56f11203.* is not the official f68b3c2d"):
        course_files.fetch_fileset(with_urls(course_files.MNIST, urls), str(tmp_path), **quiet)


# --------------------------------------------------------------------------------------------
# ImageNet sample


def test_the_imagenet_sample_is_taken_from_its_file_or_folder(tmp_path):
    for source in (IMAGENET, os.path.dirname(IMAGENET)):
        folder = course_files.fetch_imagenet25(str(tmp_path), source, **quiet)
        assert sha256(os.path.join(folder, "imagenet_val_25.npz")) == course_files.IMAGENET25.files[0].digests[0][1]


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_an_imagenet_sample_of_the_wrong_shape_is_refused_naming_it(tmp_path):
    with np.load(IMAGENET, allow_pickle=True) as npz:
        arrays = dict(npz)
    arrays["X"] = arrays["X"][:, :100]
    bad = tmp_path / "imagenet_val_25.npz"
    bad.write_bytes(npz_bytes(**arrays))
    with pytest.raises(DataError, match=f"{bad}: X should be uint8 \\(25, 224, 224, 3\\)"):
        course_files.fetch_imagenet25(str(tmp_path / "data"), str(bad), **quiet)


class RunsACommand:
    def __reduce__(self):
        return os.system, ("touch ran",)


def test_an_imagenet_label_map_that_would_run_code_is_refused_without_running_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with np.load(IMAGENET, allow_pickle=False) as npz:
        X, y = npz["X"], npz["y"]
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|O", "fortran_order": False, "shape": ()})
    bad = tmp_path / "imagenet_val_25.npz"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("X.npy", _npy(X))
        z.writestr("y.npy", _npy(y))
        z.writestr("label_map.npy", header.getvalue() + pickle.dumps(RunsACommand()))
    with pytest.raises(DataError, match=f"{bad}: label_map: refers to (posix|os).system, which is not allowed"):
        course_files.fetch_imagenet25(str(tmp_path / "data"), str(bad), **quiet)
    assert not (tmp_path / "ran").exists()


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()
