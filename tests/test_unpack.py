"""Unpacking: folders and zips become a clean copy; unsafe or foreign archives are refused."""
import contextlib
import os
import resource
import signal
import stat
import time
import zipfile

import pytest

from gradekit.pipeline import unpack

pytestmark = pytest.mark.unit


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


# -- student ids: the name of each submission's folder in --out --------------------------------
@pytest.mark.parametrize("name", ["...zip", "..zip", ".zip", ".hidden", "a\\b.zip", "bob...zip", "tab\there",
                                  "null\x00", "x" * 101, "semi;colon.zip", " padded"])
def test_a_name_that_is_not_a_plain_student_id_is_refused_naming_the_allowed_characters(tmp_path, name):
    with pytest.raises(unpack.SubmissionError) as refused:
        unpack.student_id(os.path.join(str(tmp_path), name))
    message = str(refused.value)
    assert "\n" not in message and "letters, digits, spaces and _ - . @ +" in message
    assert unpack.shown(os.path.join(str(tmp_path), name)) in message


def test_a_name_with_a_path_separator_is_refused_as_a_student_id():
    for name in ["a/b", "../b", "a\\b"]:
        with pytest.raises(unpack.SubmissionError, match="path separator"):
            unpack.check_student_id(name)


@pytest.mark.parametrize("name, student", [("smith_john_12345_67890_assignment1.zip", "smith_john_12345_67890_assignment1"),
                                           ("jsmith@uni.edu", "jsmith@uni.edu"),
                                           ("John Smith_12345_assignsubmission_file_", "John Smith_12345_assignsubmission_file_"),
                                           ("li+wei-2.ZIP", "li+wei-2")])
def test_canvas_moodle_and_email_names_are_student_ids(tmp_path, name, student):
    assert unpack.student_id(os.path.join(str(tmp_path), name)) == student


def test_two_submissions_of_one_student_refuse_the_second_naming_both(tmp_path):
    from gradekit.pipeline import grade

    (tmp_path / "alice").mkdir()
    (tmp_path / "alice.zip").write_bytes(b"")
    (tmp_path / "bob.zip").write_bytes(b"")
    paths = [str(tmp_path / "alice"), str(tmp_path / "alice.zip"), str(tmp_path / "bob.zip")]
    ids, refused = grade.student_ids(paths)
    assert ids == {paths[0]: "alice", paths[2]: "bob"}
    assert list(refused) == [paths[1]]
    assert paths[0] in refused[paths[1]] and paths[1] in refused[paths[1]] and "alice" in refused[paths[1]]


def test_student_ids_differing_only_in_case_are_one_student(tmp_path):
    from gradekit.pipeline import grade

    (tmp_path / "Alice.zip").write_bytes(b"")
    (tmp_path / "alice").mkdir()
    ids, refused = grade.student_ids([str(tmp_path / "Alice.zip"), str(tmp_path / "alice")])
    assert list(ids.values()) == ["Alice"] and list(refused) == [str(tmp_path / "alice")]


def test_a_missing_submission_is_refused_before_grading(tmp_path):
    from gradekit.pipeline import grade

    missing = str(tmp_path / "nobody.zip")
    assert grade.student_ids([missing]) == ({}, {missing: f"no such submission: {missing}"})


# -- folders: copied without following links, bounded -----------------------------------------
@contextlib.contextmanager
def no_file_over(nbytes):
    """Writing a file past `nbytes` fails (EFBIG) instead of filling the disk, should a regression
    follow a link to /dev/zero again."""
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, limits[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)


def test_a_folder_with_a_link_to_dev_zero_is_refused_at_once(tmp_path, assignment1):
    source = make_folder(tmp_path / "mallory")
    os.symlink("/dev/zero", source / "cs231n" / "weights.npy")
    started = time.monotonic()
    with no_file_over(16 << 20), pytest.raises(unpack.SubmissionError, match=r"weights.npy is a symbolic link \(to /dev/zero\)"):
        unpack.unpack(str(source), str(tmp_path / "scratch"), assignment1)
    assert time.monotonic() - started < 5 and not os.path.exists(tmp_path / "scratch")


def test_a_folder_with_a_link_to_a_file_outside_it_is_refused_naming_both(tmp_path, assignment1):
    secret = tmp_path / "secret.txt"
    secret.write_text("the hidden checks' answers")
    source = make_folder(tmp_path / "mallory")
    os.symlink(secret, source / "notes.txt")
    with pytest.raises(unpack.SubmissionError, match=f"notes.txt is a symbolic link \\(to {secret}\\)"):
        unpack.unpack(str(source), str(tmp_path / "scratch"), assignment1)


def test_a_link_in_an_ignored_folder_is_skipped_silently(tmp_path, assignment1):
    source = make_folder(tmp_path / "alice")
    os.symlink("/dev/zero", source / "cs231n" / "datasets" / "cifar-10-batches-py" / "data_batch_2")
    os.symlink(tmp_path, source / "cs231n" / "datasets" / "coco_captioning")
    root = unpack.unpack(str(source), str(tmp_path / "scratch"), assignment1)
    assert os.path.exists(os.path.join(root, "knn.ipynb"))
    assert not os.path.lexists(os.path.join(root, "cs231n", "datasets", "coco_captioning"))


def test_a_folder_is_copied_byte_for_byte(tmp_path, assignment1):
    source = make_folder(tmp_path / "alice")
    (source / "cs231n" / "weights.bin").write_bytes(bytes(range(256)) * 5000)
    root = unpack.unpack(str(source), str(tmp_path / "scratch"), assignment1)
    assert open(os.path.join(root, "cs231n", "weights.bin"), "rb").read() == bytes(range(256)) * 5000


def test_a_folder_with_a_fifo_is_refused(tmp_path, assignment1):
    source = make_folder(tmp_path / "mallory")
    os.mkfifo(source / "cs231n" / "pipe")
    with pytest.raises(unpack.SubmissionError, match="pipe is a FIFO"):
        unpack.unpack(str(source), str(tmp_path / "scratch"), assignment1)


def test_a_folder_with_too_many_files_is_refused(tmp_path, assignment1, monkeypatch):
    monkeypatch.setattr(unpack, "MAX_FILES", 20, raising=False)
    source = make_folder(tmp_path / "mallory")
    for i in range(30):
        (source / f"{i}.txt").write_text("")
    with pytest.raises(unpack.SubmissionError, match="more than 20 files"):
        unpack.unpack(str(source), str(tmp_path / "scratch"), assignment1)


def test_a_folder_with_too_many_bytes_is_refused(tmp_path, assignment1, monkeypatch):
    monkeypatch.setattr(unpack, "MAX_BYTES", 1 << 20, raising=False)
    source = make_folder(tmp_path / "mallory")
    (source / "big.bin").write_bytes(b"\0" * (2 << 20))
    with pytest.raises(unpack.SubmissionError, match="more than 1 MiB"):
        unpack.unpack(str(source), str(tmp_path / "scratch"), assignment1)


# -- zips: the same limits ----------------------------------------------------------------------
def test_a_zip_with_too_many_members_is_refused(tmp_path, assignment1, monkeypatch):
    monkeypatch.setattr(unpack, "MAX_FILES", 20, raising=False)
    path = tmp_path / "mallory.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("knn.ipynb", "{}")
        for i in range(30):
            archive.writestr(f"{i}.txt", "")
    with pytest.raises(unpack.SubmissionError, match="more than 20 files"):
        unpack.unpack(str(path), str(tmp_path / "scratch"), assignment1)


def test_a_zip_holding_a_symbolic_link_is_refused(tmp_path, assignment1):
    path = tmp_path / "mallory.zip"
    link = zipfile.ZipInfo("assignment1/cs231n/weights.npy")
    link.create_system = 3  # unix
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("assignment1/knn.ipynb", "{}")
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(unpack.SubmissionError, match=r"weights.npy is a symbolic link \(to /etc/passwd\)"):
        unpack.unpack(str(path), str(tmp_path / "scratch"), assignment1)
