"""ConvolutionalNetworks (30 points with the hidden checks): conv, pool, spatial norms, ConvNets."""
import numpy as np
import pytest

from gradekit.autograde.checks import assert_close, assert_layer_gradients, assert_model_gradients

pytestmark = pytest.mark.notebook("ConvolutionalNetworks")
L = "cs231n.layers."
FAST = "cs231n.fast_layers."
CNN = "cs231n.classifiers.cnn.ThreeLayerConvNet"
POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}
NORM_GRADS = {"dx": 0, "dgamma": 1, "dbeta": 2}


@pytest.mark.points(1.5)
def test_conv_forward_naive_matches_expected(student, expected):
    out = student.call(L + "conv_forward_naive", expected["conv_x"], expected["conv_w"], expected["conv_b"],
                       {"stride": 2, "pad": 1}, pick=0)
    assert_close(out, expected["conv_out"], tol=1e-8, what="conv_forward_naive out (stride 2, pad 1)")


@pytest.mark.points(3)
def test_conv_backward_naive_matches_numeric_gradients(student, expected):
    args = [expected["conv_grad_" + name] for name in ("x", "w", "b")] + [{"stride": 1, "pad": 1}]
    assert_layer_gradients(student, L + "conv_forward_naive", L + "conv_backward_naive", args,
                           expected["conv_grad_dout"], {"dx": 0, "dw": 1, "db": 2}, tol=1e-8,
                           out=expected["conv_grad_out"])


@pytest.mark.points(0.5)
def test_naive_conv_agrees_with_the_fast_layers(student):
    """The notebook's comparison of the naive and the provided fast (im2col) convolution."""
    rng = np.random.default_rng(239)
    args = [rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3), {"stride": 1, "pad": 1}]
    dout = rng.normal(size=(2, 3, 5, 5))
    naive_out, naive_grads = student.layer(L + "conv_forward_naive", L + "conv_backward_naive", *args, dout=dout)
    fast_out, fast_grads = student.layer(FAST + "conv_forward_fast", FAST + "conv_backward_fast", *args, dout=dout)
    assert_close(naive_out, fast_out, tol=1e-9, what="conv_forward_naive against conv_forward_fast")
    for name, mine, fast in zip(("dx", "dw", "db"), naive_grads, fast_grads):
        assert_close(mine, fast, tol=1e-9, what=f"conv_backward_naive {name} against conv_backward_fast")


@pytest.mark.points(1.5)
def test_max_pool_forward_naive_matches_expected(student, expected):
    out = student.call(L + "max_pool_forward_naive", expected["pool_x"], POOL, pick=0)
    assert_close(out, expected["pool_out"], tol=1e-8, what="max_pool_forward_naive out (2x2, stride 2)")


@pytest.mark.points(2)
def test_max_pool_backward_naive_matches_numeric_gradients(student, expected):
    assert_layer_gradients(student, L + "max_pool_forward_naive", L + "max_pool_backward_naive",
                           [expected["pool_grad_x"], POOL], expected["pool_grad_dout"], {"dx": 0}, tol=1e-9,
                           out=expected["pool_grad_out"])


@pytest.mark.points(1)
def test_max_pool_backward_sends_each_window_gradient_once(student):
    x = np.ones((1, 1, 4, 4))  # every element of every window ties for the max
    dout = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    _, dx = student.layer(L + "max_pool_forward_naive", L + "max_pool_backward_naive", x, POOL, dout=dout)
    window_sums = dx.reshape(2, 2, 2, 2).sum(axis=(1, 3))
    assert_close(window_sums, dout[0, 0], tol=1e-12,
                 what="max_pool_backward_naive gradient per pooling window (a window passes its gradient to one "
                      "maximum, not to every tie)")


@pytest.mark.points(2)
def test_spatial_batchnorm_forward_normalizes_each_channel(student):
    rng = np.random.default_rng(233)
    x = 4 * rng.normal(size=(2, 3, 4, 5)) + 10
    gamma, beta = np.array([3.0, 4.0, 5.0]), np.array([6.0, 7.0, 8.0])
    out = student.call(L + "spatial_batchnorm_forward", x, gamma, beta, {"mode": "train"}, pick=0)
    assert out.shape == x.shape, f"spatial_batchnorm_forward out has shape {out.shape}, expected {x.shape}"
    what = "spatial_batchnorm_forward per-channel"
    assert_close(out.mean(axis=(0, 2, 3)), beta, tol=1e-6, what=f"{what} means (over N, H, W)")
    assert_close(out.std(axis=(0, 2, 3)), gamma, tol=1e-3, what=f"{what} stds (over N, H, W)")


@pytest.mark.points(2)
def test_spatial_batchnorm_backward_matches_numeric_gradients(student, expected):
    args = [expected["sbn_grad_" + name] for name in ("x", "gamma", "beta")] + [{"mode": "train"}]
    assert_layer_gradients(student, L + "spatial_batchnorm_forward", L + "spatial_batchnorm_backward", args,
                           expected["sbn_grad_dout"], NORM_GRADS, tol=1e-6, out=expected["sbn_grad_out"])


@pytest.mark.points(2)
def test_spatial_groupnorm_forward_normalizes_each_group_of_each_sample(student):
    rng = np.random.default_rng(235)
    x = 4 * rng.normal(size=(2, 6, 4, 5)) + 10
    gamma, beta = np.ones((1, 6, 1, 1)), np.zeros((1, 6, 1, 1))
    out = student.call(L + "spatial_groupnorm_forward", x, gamma, beta, 2, {}, pick=0)
    groups = np.asarray(out).reshape(2 * 2, -1)
    assert_close(groups.mean(axis=1), np.zeros(4), tol=1e-6, what="spatial_groupnorm_forward per-group means (G = 2)")
    assert_close(groups.std(axis=1), np.ones(4), tol=1e-3, what="spatial_groupnorm_forward per-group stds (G = 2)")


@pytest.mark.points(2)
def test_spatial_groupnorm_backward_matches_numeric_gradients(student, expected):
    args = [expected["sgn_grad_" + name] for name in ("x", "gamma", "beta")] + [2, {}]
    assert_layer_gradients(student, L + "spatial_groupnorm_forward", L + "spatial_groupnorm_backward", args,
                           expected["sgn_grad_dout"], NORM_GRADS, tol=1e-6, out=expected["sgn_grad_out"])


@pytest.mark.points(1)
def test_three_layer_convnet_initial_loss_is_about_log_of_the_class_count(student):
    rng = np.random.default_rng(237)
    model = student.new(CNN, input_dim=(3, 16, 16), seed=0)
    loss, _ = model.loss(rng.normal(size=(20, 3, 16, 16)), rng.integers(0, 10, size=20))
    assert abs(loss - np.log(10)) < 0.05, f"ThreeLayerConvNet initial loss {loss:.3f}, expected about log(10) = 2.303"


@pytest.mark.points(2)
def test_three_layer_convnet_gradients_match_numeric_gradients(student, expected):
    model = student.new(CNN, input_dim=(3, 6, 6), num_filters=3, filter_size=3, hidden_dim=5, reg=0.5,
                        weight_scale=1e-1, dtype="float64")
    case = "cnn_grad_"
    model.set("params", {k[len(case + "param_"):]: v for k, v in expected.items() if k.startswith(case + "param_")})
    assert_model_gradients(model, expected[case + "X"], expected[case + "y"], tol=1e-5, h=1e-6,
                           what="ThreeLayerConvNet", loss=expected[case + "loss"])
