"""ConvolutionalNetworks hidden checks: naive layers against the reference's fast ones on random
shapes, strides and paddings; the one-epoch ThreeLayerConvNet; the student's best ConvNet."""
import numpy as np
import pytest

from gradekit.autograde.checks import accuracy, assert_same_outputs

pytestmark = pytest.mark.notebook("ConvolutionalNetworks")
L = "cs231n.layers."
FAST = "cs231n.fast_layers."
CNN = "cs231n.classifiers.cnn.ThreeLayerConvNet"


def conv_case(rng):
    N, C, F = (int(v) for v in rng.integers(1, 4, size=3))
    k = int(rng.choice([1, 3, 5]))
    stride, pad = int(rng.integers(1, 3)), int(rng.integers(0, 3))
    H = k + stride * int(rng.integers(1, 4)) - 2 * pad
    H = H if H >= k else H + stride * ((k - H) // stride + 1)
    W = H + stride * int(rng.integers(0, 2))
    x, w, b = rng.normal(size=(N, C, H, W)), rng.normal(size=(F, C, k, k)), rng.normal(size=F)
    Ho, Wo = 1 + (H + 2 * pad - k) // stride, 1 + (W + 2 * pad - k) // stride
    where = f"x {x.shape}, w {w.shape}, stride {stride}, pad {pad}"
    return x, w, b, {"stride": stride, "pad": pad}, rng.normal(size=(N, F, Ho, Wo)), where


@pytest.mark.points(0.5)
@pytest.mark.parametrize("case", range(3))
def test_conv_naive_matches_the_reference_on_random_shapes_strides_and_padding(student, reference, rng, case):
    x, w, b, conv_param, dout, where = conv_case(rng)
    mine = student.layer(L + "conv_forward_naive", L + "conv_backward_naive", x, w, b, conv_param, dout=dout)
    ref = reference.layer(FAST + "conv_forward_fast", FAST + "conv_backward_fast", x, w, b, conv_param, dout=dout)
    assert_same_outputs(mine[0], ref[0], ["conv_forward_naive out"], tol=1e-9, where=where)
    assert_same_outputs(mine[1], ref[1], ["conv_backward_naive dx", "dw", "db"], tol=1e-9, where=where)


@pytest.mark.points(1)
def test_max_pool_naive_matches_the_reference(student, reference, rng):
    size, stride = int(rng.integers(2, 4)), int(rng.integers(1, 3))
    N, C = (int(v) for v in rng.integers(1, 4, size=2))
    H = size + stride * int(rng.integers(1, 4))
    x = rng.permutation(N * C * H * H).reshape(N, C, H, H) / 7.0
    pool = {"pool_height": size, "pool_width": size, "stride": stride}
    dout = rng.normal(size=(N, C, 1 + (H - size) // stride, 1 + (H - size) // stride))
    where = f"x {x.shape}, pool {size}x{size} stride {stride}"
    mine = student.layer(L + "max_pool_forward_naive", L + "max_pool_backward_naive", x, pool, dout=dout)
    ref = reference.layer(L + "max_pool_forward_naive", L + "max_pool_backward_naive", x, pool, dout=dout)
    assert_same_outputs(mine[0], ref[0], ["max_pool_forward_naive out"], tol=1e-12, where=where)
    assert_same_outputs(mine[1], ref[1], ["max_pool_backward_naive dx"], tol=1e-12, where=where)


@pytest.mark.points(3)
def test_three_layer_convnet_after_one_epoch_reaches_the_target_on_training_images(reference, artifacts, cifar,
                                                                                  targets, measured):
    saved = artifacts.load("three_layer_convnet", "ConvolutionalNetworks")
    missing = sorted({"W1", "b1", "W2", "b2", "W3", "b3"} - set(saved))
    assert not missing, f"artifacts/three_layer_convnet.npz lacks {missing}"
    F, C, k, _ = saved["W1"].shape
    model = reference.new(CNN, num_filters=F, filter_size=k, hidden_dim=saved["W2"].shape[1], dtype=np.float32)
    model.params = {name: saved[name].astype(np.float32) for name in model.params}
    X, y = cifar["X_train"][:1000], cifar["y_train"][:1000]
    scores = np.concatenate([model.loss(X[i:i + 100].astype(np.float32)) for i in range(0, 1000, 100)])
    acc = accuracy(np.argmax(scores, axis=1), y)
    target = targets["three_layer_convnet_train"]
    measured("ThreeLayerConvNet after one epoch: accuracy on 1000 training images", acc, target)
    assert acc > target, f"ThreeLayerConvNet accuracy on 1000 training images {acc:.3f} <= {target}"


@pytest.mark.points(4)
def test_best_convnet_reaches_the_target_on_held_out_test_images(reference, artifacts, cifar, targets, measured):
    path = artifacts.path("convnet", "ConvolutionalNetworks")
    try:
        model = reference.call("cs231n.classifiers.convnet.load_convnet", path)
    except ValueError as exc:
        raise AssertionError(f"artifacts/convnet.npz cannot be rebuilt: {exc}") from None
    acc = accuracy(model.predict(cifar["X_held_out"]), cifar["y_held_out"])
    target = targets["convnet_held_out"]
    measured("best ConvNet: accuracy on 5000 held-out test images", acc, target)
    assert acc > target, f"best ConvNet accuracy {acc:.4f} <= {target} on 5000 held-out test images"
