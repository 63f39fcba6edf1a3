"""The assignment-3 SqueezeNet 1.1 port (solutions/assignment3/cs231n/squeezenet.py) on the weights
`gradekit data squeezenet` writes (tests/test_squeezenet_weights.py), and style transfer's network
built on it (cs231n/style_transfer.py)."""
import os

import numpy as np
import pytest
import torch

from gradekit.data import squeezenet_weights as weights
from conftest import REPO, SHARED_DATA, course_module

pytestmark = pytest.mark.unit

IMAGENET = os.path.join(SHARED_DATA, "imagenet_val_25", "imagenet_val_25.npz")

sq = course_module("assignment3", "squeezenet")


@pytest.fixture(scope="session")
def imagenet():
    with np.load(IMAGENET, allow_pickle=True) as npz:
        return npz["X"], npz["y"], npz["label_map"].item()


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
