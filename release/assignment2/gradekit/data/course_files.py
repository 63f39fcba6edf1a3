"""`gradekit data assets|mnist|imagenet25`: checksummed sets of course files, downloaded or local.

Each dataset is a `FileSet`: a folder under the data directory and the files it holds, each with
the checksums of its official bytes and the official place to get them (the file itself, or an
archive holding it, picked out by its name). `fetch_fileset` puts a verified copy into
`<dest>/<folder>` and replaces an existing folder only once the new one is complete.

- Without `source` the official files are downloaded; a download whose checksum is not the
  official one is refused.
- With `source` (`gradekit data NAME --from PATH`): a folder holding the files in the dataset's
  layout (`styles/muse.jpg`, ...), or its parent, or a folder holding the official archives
  under their own names; a zip archive itself; a single file where the dataset is one file.
  A local file whose checksum is not the official one is accepted only where the dataset has a
  content check (MNIST, the ImageNet sample): it is checked and the log says it is not the
  official file. Files without a content check (images, check values) must be the official bytes.

The shared data README (`../shared/data/README.md`) gives the provenance of every file.
"""
import gzip
import io
import os
import shutil
import zipfile
from dataclasses import dataclass

import numpy as np

from gradekit.data import DataError
from gradekit.data.fetch import checksum, download, mismatch, staging
from gradekit.data.unpickle import LABEL_MAP_GLOBALS, numpy_unpickle


@dataclass(frozen=True)
class File:
    """One file of a set: `name` is its path inside the dataset folder; `digests` the accepted
    ("sha256" | "md5", hex) checksums of its official bytes; `url` where those bytes are
    published, either the file itself or (when `member` is set) a zip holding it as a member
    whose path ends with `member`."""
    name: str
    digests: tuple
    url: str
    member: str = None


@dataclass(frozen=True)
class FileSet:
    """A dataset made of files. `check(path, file)` (optional) verifies a file's contents and
    raises DataError; with it, local files that are not the official bytes are accepted."""
    title: str
    folder: str
    files: tuple
    check: object = None


A3_ZIP = "https://cs231n.github.io/assignments/2019/spring1819_assignment3.zip"
A2_ZIP = "https://cs231n.github.io/assignments/2019/spring1819_assignment2.zip"


def _sha(hexdigest):
    return (("sha256", hexdigest),)


ASSETS = FileSet("CS231n assets", "cs231n_assets", (
    File("kitten.jpg", _sha("39faf9635202b538a7612e69c1d866be487cee7f69d8e166e4b59662d0ec68cf"),
         A3_ZIP, "kitten.jpg"),
    File("puppy.jpg", _sha("29dbe860652938425607ced57f9b67940a1862dea0e66746f1a6bbe5ec23234b"),
         A2_ZIP, "notebook_images/puppy.jpg"),
    File("sky.jpg", _sha("0821432e1977d34c378b7b192e478af95437c64cf4ed021de13c13d8f48333f9"),
         A3_ZIP, "sky.jpg"),
    File("styles/composition_vii.jpg",
         _sha("8f992ed4aecd6dd56972d7bc8166761de7c94e670ee6effa8fd05f3daeb33409"),
         A3_ZIP, "styles/composition_vii.jpg"),
    File("styles/muse.jpg", _sha("b8a36cd8752497510389782159ccf141d41c3446002a079b458fb7b774d3928a"),
         A3_ZIP, "styles/muse.jpg"),
    File("styles/starry_night.jpg",
         _sha("c31741a09141c2e2d07fc7aa6bdf135c369b804f9433e43fa3ceac19386d1ee6"),
         A3_ZIP, "styles/starry_night.jpg"),
    File("styles/the_scream.jpg",
         _sha("f3075cddeb974a9ee1d6418f7f33fd05185a7ac7dcb4288bd2805d499a9dcaee"),
         A3_ZIP, "styles/the_scream.jpg"),
    File("styles/tubingen.jpg",
         _sha("e67d1869f01fd805385c681a80d9ebcf0f70ea4a5fe6127f0606bb1c7f4bf506"),
         A3_ZIP, "styles/tubingen.jpg"),
    File("style-transfer-checks.npz",
         _sha("2f9b3cf861971f30e842281535420685ed51ed4d4f932e529fc9c27503eb9008"),
         A3_ZIP, "style-transfer-checks.npz"),
    File("gan-checks-tf.npz", _sha("52c137fcfa284f191bf47cd4c66803bf109e5472b0e22341ec8376758e412cee"),
         A3_ZIP, "gan-checks-tf.npz"),
))

# --------------------------------------------------------------------------------------------
# MNIST: the idx files as torchvision mirrors them, with its (the official) md5 values.

MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
# name: (md5 of the official .gz, idx magic, number of items)
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": ("f68b3c2dcbeaaa9fbdd348bbdeb94873", 2051, 60000),
    "train-labels-idx1-ubyte.gz": ("d53e105ee54ea40749a09fcbcd1e9432", 2049, 60000),
    "t10k-images-idx3-ubyte.gz": ("9fb629c4189551a2d022fa330f9573f3", 2051, 10000),
    "t10k-labels-idx1-ubyte.gz": ("ec29112dd5afa0611ce80d1b7f02629c", 2049, 10000),
}


def read_idx(path):
    """The array in a gzipped idx file (uint8 images (N, 28, 28) or labels (N,)); DataError
    naming the file when it is not a complete idx file of unsigned bytes."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"{path}: not a complete gzip file ({exc})") from None
    if len(raw) < 8 or raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise DataError(f"{path}: not an idx file of unsigned bytes (magic {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if len(raw) != header + int(np.prod(shape)):
        raise DataError(f"{path}: {len(raw) - header} data bytes for an idx array of shape {shape}")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def check_mnist_file(path, file):
    """The idx magic, count and shape that `file`'s name promises; labels in 0..9."""
    _, magic, count = MNIST_FILES[file.name]
    array = read_idx(path)
    expected = (count, 28, 28) if magic == 2051 else (count,)
    if array.shape != expected:
        raise DataError(f"{path}: idx array of shape {array.shape}, expected {expected}")
    if magic == 2049 and array.max() > 9:
        raise DataError(f"{path}: labels should be in 0..9 (found {array.max()})")


MNIST = FileSet("MNIST", "mnist", tuple(
    File(name, (("md5", md5),), MNIST_URL + name) for name, (md5, _, _) in MNIST_FILES.items()),
    check=check_mnist_file)


def load_mnist(folder):
    """The project's own MNIST loader (no torchvision): {"X_train": uint8 (60000, 28, 28),
    "y_train": uint8 (60000,), "X_test": (10000, 28, 28), "y_test": (10000,)} from a fetched
    `mnist` folder."""
    def read(name):
        return read_idx(os.path.join(folder, name))
    return {"X_train": read("train-images-idx3-ubyte.gz"), "y_train": read("train-labels-idx1-ubyte.gz"),
            "X_test": read("t10k-images-idx3-ubyte.gz"), "y_test": read("t10k-labels-idx1-ubyte.gz")}


# --------------------------------------------------------------------------------------------
# The ImageNet validation sample of assignment 3 (network visualisation).

def check_imagenet25(path, file):
    """X (25, 224, 224, 3) uint8, y (25,) integers in 0..999, label_map a dict int -> name.

    The label map is an object array (a pickle inside the npz): it is read with the numpy-only
    unpickler, so checking a file of unknown origin runs no code from it."""
    try:
        with zipfile.ZipFile(path) as z:
            X, y = (_read_npy(z, key) for key in ("X", "y"))
            with z.open("label_map.npy") as f:
                version = np.lib.format.read_magic(f)
                read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) \
                    else np.lib.format.read_array_header_2_0
                shape, _, dtype = read_header(f)
                if shape != () or dtype != object:
                    raise DataError(f"{path}: label_map should be a 0-d object array holding a dict")
                label_map = numpy_unpickle(f.read(), LABEL_MAP_GLOBALS, f"{path}: label_map")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise DataError(f"{path}: not the ImageNet sample npz ({exc})") from None
    if X.shape != (25, 224, 224, 3) or X.dtype != np.uint8:
        raise DataError(f"{path}: X should be uint8 (25, 224, 224, 3), not {X.dtype} {X.shape}")
    if y.shape != (25,) or y.dtype.kind not in "iu" or y.min() < 0 or y.max() > 999:
        raise DataError(f"{path}: y should be 25 integers in 0..999")
    label_map = label_map.item() if isinstance(label_map, np.ndarray) and label_map.shape == () \
        else label_map
    if not isinstance(label_map, dict) or len(label_map) < 990 \
            or not all(isinstance(k, int) and isinstance(v, str) for k, v in label_map.items()):
        raise DataError(f"{path}: label_map should be a dict from class index to class name")


def _read_npy(zip_file, key):
    with zip_file.open(key + ".npy") as f:
        return np.lib.format.read_array(io.BytesIO(f.read()), allow_pickle=False)


IMAGENET25 = FileSet("ImageNet val sample", "imagenet_val_25", (
    File("imagenet_val_25.npz", _sha("35141609d22457c791e8fbe10c2d3b09ed0d6a04b669173e9fbebb0b4915cd3c"),
         "http://cs231n.stanford.edu/imagenet_val_25.npz"),), check=check_imagenet25)


def fetch_assets(dest, source=None, log=print):
    return fetch_fileset(ASSETS, dest, source, log)


def fetch_mnist(dest, source=None, log=print):
    return fetch_fileset(MNIST, dest, source, log)


def fetch_imagenet25(dest, source=None, log=print):
    return fetch_fileset(IMAGENET25, dest, source, log)


# --------------------------------------------------------------------------------------------
# The generic fetcher


def fetch_fileset(fileset, dest, source=None, log=print):
    """Put a verified copy of `fileset` into `<dest>/<fileset.folder>`; returns its path."""
    with staging(dest, fileset.folder) as (tmp, staged):
        if source is None:
            _download_all(fileset, tmp, staged, log)
        else:
            _import_local(fileset, source, tmp, staged, log)
    target = os.path.join(dest, fileset.folder)
    log(f"{fileset.title} ready in {target}")
    return target


def _download_all(fileset, tmp, staged, log):
    downloads = {}
    for file in fileset.files:
        if file.url not in downloads:
            downloads[file.url] = os.path.join(tmp, "download-" + os.path.basename(file.url))
            log(f"downloading {file.url}")
            download(file.url, downloads[file.url])
        path = downloads[file.url]
        if file.member is None:
            _accept(fileset, file, path, file.url, staged, official_only=True, log=log)
        else:
            _accept_member(fileset, file, path, file.url, tmp, staged, official_only=True, log=log)


def _import_local(fileset, source, tmp, staged, log):
    if os.path.isfile(source):
        if len(fileset.files) == 1 and not _is_archive_of(fileset, source):
            _accept(fileset, fileset.files[0], source, source, staged, official_only=False, log=log)
            return
        if not zipfile.is_zipfile(source):
            raise DataError(f"{source}: not a zip archive; pass the folder holding "
                            f"{', '.join(f.name for f in fileset.files)}")
        archives = [source]
    elif os.path.isdir(source):
        archives = None
    else:
        raise DataError(f"{source}: no such file or folder")
    for file in fileset.files:
        if archives is None:
            found = _local_file(fileset, file, source)
            if found is not None:
                _accept(fileset, file, found, found, staged, official_only=False, log=log)
                continue
            archive = os.path.join(source, os.path.basename(file.url))
            if file.member is None or not os.path.isfile(archive):
                raise DataError(f"{source}: missing {file.name}")
            _accept_member(fileset, file, archive, archive, tmp, staged, official_only=False, log=log)
        else:
            _accept_member(fileset, file, source, source, tmp, staged, official_only=False, log=log)


def _is_archive_of(fileset, path):
    return any(f.member is not None and os.path.basename(f.url) == os.path.basename(path)
               for f in fileset.files)


def _local_file(fileset, file, folder):
    """`file` in a local folder: in the dataset's layout, or under `<folder>/<dataset folder>`."""
    for candidate in (os.path.join(folder, file.name), os.path.join(folder, fileset.folder, file.name)):
        if os.path.isfile(candidate):
            return candidate
    return None


def _accept_member(fileset, file, archive, label, tmp, staged, official_only, log):
    """Take `file` out of a zip `archive`: the members whose path ends with `file.member`
    (the first one with an accepted checksum, if several do)."""
    try:
        with zipfile.ZipFile(archive) as z:
            names = [n for n in z.namelist() if n == file.member or n.endswith("/" + file.member)]
            if not names:
                raise DataError(f"{label}: no member {file.member} (for {file.name})")
            for i, name in enumerate(sorted(names, key=len)):
                extracted = os.path.join(tmp, "member-" + os.path.basename(file.name))
                with z.open(name) as src, open(extracted, "wb") as out:
                    shutil.copyfileobj(src, out)
                last = i == len(names) - 1
                if last or _matches(extracted, file.digests):
                    _accept(fileset, file, extracted, f"{label}:{name}", staged, official_only, log)
                    return
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataError(f"{label}: cannot be read as a zip archive ({exc})") from None


def _accept(fileset, file, path, label, staged, official_only, log):
    """Verify `path` as `file` and copy it to its place in `staged`.

    `label` names the file in messages (a path, a URL or archive:member)."""
    if not _matches(path, file.digests):
        algorithm, expected = file.digests[0]
        actual = checksum(path, algorithm)
        if official_only or fileset.check is None:
            raise mismatch(label, algorithm, actual, expected)
        _check_labelled(fileset, file, path, label)
        log(f"{label}: not the official file ({algorithm} {actual}, official {expected}); "
            "accepted after checking its contents")
    elif fileset.check is not None:
        _check_labelled(fileset, file, path, label)
    out = os.path.join(staged, file.name)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    shutil.copyfile(path, out)


def _check_labelled(fileset, file, path, label):
    """Run the content check; its messages name `label` rather than a temporary path."""
    try:
        fileset.check(path, file)
    except DataError as exc:
        raise DataError(str(exc).replace(path, label)) from None


def _matches(path, digests):
    return any(checksum(path, algorithm) == expected for algorithm, expected in digests)
