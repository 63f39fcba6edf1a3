"""Getting a dataset's files safely: checksums, downloads, archive extraction, and a staging folder
that replaces a dataset's folder only once the new one is complete. Every fetcher uses these."""
import contextlib
import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile

from gradekit.data import DataError


def checksum(path, algorithm="sha256", prefix=b""):
    """The hex digest (`algorithm`: "sha256", "md5", ...) of `prefix` followed by the bytes of `path`."""
    digest = hashlib.new(algorithm, prefix)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def mismatch(label, algorithm, actual, expected, what="official"):
    """The DataError for a file (named by `label`) whose digest `actual` is not the `what` `expected`."""
    return DataError(f"{label}: {algorithm} {actual} is not the {what} {expected}")


def require_checksum(path, expected, algorithm="sha256", label=None, what="official"):
    """Raises `mismatch` (naming `label`, else `path`) unless the checksum of `path` is `expected`."""
    actual = checksum(path, algorithm)
    if actual != expected:
        raise mismatch(label or path, algorithm, actual, expected, what)


def download(url, path, local_copy="a local copy"):
    """Save `url` to `path`; DataError naming the URL, and the `--from` alternative, when it fails."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(path, "wb") as out:
            shutil.copyfileobj(response, out)
    except OSError as exc:
        raise DataError(f"cannot download {url} ({exc}); without internet, pass --from with "
                        f"{local_copy}") from None


def extract_tar(archive, into):
    """Extract a tar archive into `into`, refusing links and paths outside it (tarfile's "data" filter)."""
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DataError(f"{archive}: cannot be extracted ({exc})") from None


def extract_zip(archive, into):
    """Extract a zip archive into `into`, refusing absolute paths and '..'."""
    try:
        with zipfile.ZipFile(archive) as z:
            for member in z.infolist():
                parts = member.filename.replace("\\", "/").split("/")
                if member.filename.startswith("/") or ".." in parts:
                    raise DataError(f"{archive}: unsafe path {member.filename!r}")
            z.extractall(into)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"{archive}: cannot be extracted ({exc})") from None


@contextlib.contextmanager
def staging(dest, folder):
    """Yields (tmp, staged): a scratch folder under `dest` and the path in it where the caller builds
    the new `<dest>/<folder>`. When the block ends without error and `staged` was built, it replaces
    `<dest>/<folder>` (`replace_folder`); the scratch folder is deleted whatever happens."""
    os.makedirs(dest, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=f".{folder}-") as tmp:
        staged = os.path.join(tmp, folder)
        yield tmp, staged
        if os.path.isdir(staged):
            replace_folder(staged, os.path.join(dest, folder), tmp)


def replace_folder(staged, target, tmp):
    """Move the complete `staged` folder to `target`; an older `target` is moved aside (into
    `tmp`, which the caller deletes) first, so `target` is never a half-written folder."""
    if os.path.lexists(target):
        os.replace(target, os.path.join(tmp, "previous"))
    os.replace(staged, target)
