"""Unpacking: folders and zips become a clean copy; unsafe or foreign archives are refused."""
import os
import zipfile

import pytest

from gradekit import unpack


def make_folder(root):
    (root / "cs231n" / "datasets" / "cifar-10-batches-py").mkdir(parents=True)
    (root / "cs231n" / "datasets" / "cifar-10-batches-py" / "data_batch_1").write_text("big")
    (root / "cs231n" / "__init__.py").write_text("")
    (root / "artifacts").mkdir()
    (root / "artifacts" / "svm.npz").write_text("stale, maybe doctored")
    (root / "knn.ipynb").write_text("{}")
    return root


def test_a_folder_is_copied_without_data_or_old_artifacts(tmp_path, assignment1):
    source = make_folder(tmp_path / "alice")
    root = unpack.unpack(str(source), str(tmp_path / "scratch"), assignment1)
    assert os.path.exists(os.path.join(root, "knn.ipynb"))
    assert not os.path.exists(os.path.join(root, "artifacts"))
    assert not os.path.exists(os.path.join(root, "cs231n", "datasets", "cifar-10-batches-py"))


def test_a_zip_with_the_assignment_one_level_down_is_found(tmp_path, assignment1):
    path = tmp_path / "bob.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("assignment1/knn.ipynb", "{}")
        archive.writestr("assignment1/cs231n/__init__.py", "")
        archive.writestr("__MACOSX/._knn.ipynb", "")
    root = unpack.unpack(str(path), str(tmp_path / "scratch"), assignment1)
    assert root.endswith("assignment1") and os.path.exists(os.path.join(root, "knn.ipynb"))
    assert unpack.student_id(str(path)) == "bob"


def test_a_zip_escaping_its_folder_is_refused(tmp_path, assignment1):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../outside.py", "print('gotcha')")
    with pytest.raises(unpack.SubmissionError, match="unsafe path"):
        unpack.unpack(str(path), str(tmp_path / "scratch"), assignment1)


def test_a_broken_zip_is_refused_naming_it(tmp_path, assignment1):
    path = tmp_path / "carol.zip"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(unpack.SubmissionError, match="carol.zip"):
        unpack.unpack(str(path), str(tmp_path / "scratch"), assignment1)


def test_a_folder_without_the_assignment_is_refused(tmp_path, assignment1):
    (tmp_path / "dave").mkdir()
    (tmp_path / "dave" / "notes.txt").write_text("hello")
    with pytest.raises(unpack.SubmissionError, match="no assignment1 notebooks"):
        unpack.unpack(str(tmp_path / "dave"), str(tmp_path / "scratch"), assignment1)
