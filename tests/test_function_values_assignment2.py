"""Assignment 2's checks grade the function, not only its agreement with its own gradient: a layer
whose forward returns zeros and whose backward returns zeros, and a FullyConnectedNet whose loss
returns 0.0 and zero gradients (its test-time scores left right), fail every check of the function
they replace with a message naming it; the reference passes them all. Each wrong version is the
reference package with the function redefined at the end of its module, graded by the real public
and hidden checks of its notebook."""
import pytest

from gradekit import course

from autograder_runs import assert_fails_naming, checks_of

pytestmark = pytest.mark.integration

LAYERS = "cs231n/layers.py"
FC_NET = "cs231n/classifiers/fc_net.py"
NOTEBOOKS = ["fully_connected_nets", "batch_normalization", "dropout", "convolutional_networks"]

# Each layer's forward returns zeros of its output's shape (caching its input), its backward zeros
# of each input's shape.
ZERO_LAYERS = {
    "affine": ("fully_connected_nets", """
def affine_forward(x, w, b):
    return np.zeros((x.shape[0], w.shape[1])), (x, w, b)


def affine_backward(dout, cache):
    return tuple(np.zeros_like(value) for value in cache)
"""),
    "relu": ("fully_connected_nets", """
def relu_forward(x):
    return np.zeros_like(x), x


def relu_backward(dout, cache):
    return np.zeros_like(cache)
"""),
    "batchnorm": ("batch_normalization", """
def batchnorm_forward(x, gamma, beta, bn_param):
    return np.zeros_like(x), (x, gamma, beta)


def batchnorm_backward(dout, cache):
    return tuple(np.zeros_like(value) for value in cache)


batchnorm_backward_alt = batchnorm_backward
"""),
    "layernorm": ("batch_normalization", """
def layernorm_forward(x, gamma, beta, ln_param):
    return np.zeros_like(x), (x, gamma, beta)


def layernorm_backward(dout, cache):
    return tuple(np.zeros_like(value) for value in cache)
"""),
    "dropout": ("dropout", """
def dropout_forward(x, dropout_param):
    return np.zeros_like(x), x


def dropout_backward(dout, cache):
    return np.zeros_like(cache)
"""),
    "conv": ("convolutional_networks", """
def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param['stride'], conv_param['pad']
    H_out = 1 + (x.shape[2] + 2 * pad - w.shape[2]) // stride
    W_out = 1 + (x.shape[3] + 2 * pad - w.shape[3]) // stride
    return np.zeros((x.shape[0], w.shape[0], H_out, W_out)), (x, w, b)


def conv_backward_naive(dout, cache):
    return tuple(np.zeros_like(value) for value in cache)
"""),
    "max_pool": ("convolutional_networks", """
def max_pool_forward_naive(x, pool_param):
    height, width, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    return np.zeros((N, C, 1 + (H - height) // stride, 1 + (W - width) // stride)), x


def max_pool_backward_naive(dout, cache):
    return np.zeros_like(cache)
"""),
    "spatial_batchnorm": ("convolutional_networks", """
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    return np.zeros_like(x), (x, gamma, beta)


def spatial_batchnorm_backward(dout, cache):
    return tuple(np.zeros_like(value) for value in cache)
"""),
    "spatial_groupnorm": ("convolutional_networks", """
def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    return np.zeros_like(x), (x, gamma, beta)


def spatial_groupnorm_backward(dout, cache):
    return tuple(np.zeros_like(value) for value in cache)
"""),
}
P, H = "public/test_", "hidden/test_"
LAYER_CHECKS = {  # the checks of each layer (public and hidden), and the function their messages name
    "affine": {P + "fully_connected_nets.py::test_affine_forward_matches_expected": "affine_forward",
               P + "fully_connected_nets.py::test_affine_backward_matches_numeric_gradients": "affine_forward"},
    "relu": {P + "fully_connected_nets.py::test_relu_forward_matches_expected": "relu_forward",
             P + "fully_connected_nets.py::test_relu_backward_matches_numeric_gradients": "relu_forward"},
    "batchnorm": {
        P + "batch_normalization.py::test_batchnorm_train_forward_normalizes_each_feature": "batchnorm_forward",
        P + "batch_normalization.py::test_batchnorm_running_statistics_match_expected": "batchnorm_forward",
        P + "batch_normalization.py::test_batchnorm_test_forward_uses_the_running_statistics": "batchnorm_forward",
        P + "batch_normalization.py::test_batchnorm_backward_matches_numeric_gradients": "batchnorm_forward",
        P + "batch_normalization.py::test_batchnorm_backward_alt_matches_numeric_gradients": "batchnorm_forward",
        H + "batch_normalization.py::test_batchnorm_forward_and_backward_match_the_reference": "batchnorm_forward"},
    "layernorm": {
        P + "batch_normalization.py::test_layernorm_forward_matches_expected": "layernorm_forward",
        P + "batch_normalization.py::test_layernorm_backward_matches_numeric_gradients": "layernorm_forward",
        H + "batch_normalization.py::test_layernorm_forward_and_backward_match_the_reference": "layernorm_forward"},
    "dropout": {
        **{P + f"dropout.py::test_dropout_train_forward_keeps_a_fraction_p_and_preserves_the_mean[{p}]":
           "dropout_forward" for p in (0.25, 0.4, 0.7)},
        P + "dropout.py::test_dropout_test_forward_is_the_identity": "dropout_forward",
        P + "dropout.py::test_dropout_backward_matches_numeric_gradients": "dropout_forward",
        H + "dropout.py::test_dropout_backward_uses_the_mask_of_its_forward": "dropout_forward"},
    "conv": {
        P + "convolutional_networks.py::test_conv_forward_naive_matches_expected": "conv_forward_naive",
        P + "convolutional_networks.py::test_conv_backward_naive_matches_numeric_gradients": "conv_forward_naive",
        P + "convolutional_networks.py::test_naive_conv_agrees_with_the_fast_layers": "conv_forward_naive",
        **{H + f"convolutional_networks.py::test_conv_naive_matches_the_reference_on_random_shapes_strides_and_"
           f"padding[{case}]": "conv_forward_naive" for case in range(3)}},
    "max_pool": {
        P + "convolutional_networks.py::test_max_pool_forward_naive_matches_expected": "max_pool_forward_naive",
        P + "convolutional_networks.py::test_max_pool_backward_naive_matches_numeric_gradients":
            "max_pool_forward_naive",
        P + "convolutional_networks.py::test_max_pool_backward_sends_each_window_gradient_once":
            "max_pool_backward_naive",
        H + "convolutional_networks.py::test_max_pool_naive_matches_the_reference": "max_pool_forward_naive"},
    "spatial_batchnorm": {
        P + "convolutional_networks.py::test_spatial_batchnorm_forward_normalizes_each_channel":
            "spatial_batchnorm_forward",
        P + "convolutional_networks.py::test_spatial_batchnorm_backward_matches_numeric_gradients":
            "spatial_batchnorm_forward"},
    "spatial_groupnorm": {
        P + "convolutional_networks.py::test_spatial_groupnorm_forward_normalizes_each_group_of_each_sample":
            "spatial_groupnorm_forward",
        P + "convolutional_networks.py::test_spatial_groupnorm_backward_matches_numeric_gradients":
            "spatial_groupnorm_forward"},
}

# Scores (loss without labels) stay the reference's: only the loss and gradients are replaced.
NET_ZERO_LOSS = """
_reference_loss = FullyConnectedNet.loss


def _zero_loss(self, X, y=None):
    if y is None:
        return _reference_loss(self, X)
    return 0.0, {name: np.zeros_like(value) for name, value in self.params.items()}


FullyConnectedNet.loss = _zero_loss
"""
NET = "FullyConnectedNet"
NET_LOSS_CHECKS = {  # per notebook, the checks calling FullyConnectedNet.loss with labels
    "fully_connected_nets": {
        **{P + f"fully_connected_nets.py::{test}": NET for test in [
            "test_fc_net_initial_loss_is_about_log_of_the_class_count",
            "test_fc_net_gradients_match_numeric_gradients[0.0]",
            "test_fc_net_gradients_match_numeric_gradients[3.14]",
            "test_fc_net_loss_with_regularization_matches_expected",
            "test_fc_net_overfits_fifty_examples[3]", "test_fc_net_overfits_fifty_examples[5]",
            "test_solver_keeps_the_parameters_with_the_best_validation_accuracy"]},
        H + "fully_connected_nets.py::test_fc_net_loss_and_gradients_match_the_reference_with_random_weights": NET},
    "batch_normalization": {
        P + "batch_normalization.py::test_fc_net_with_normalization_gradients_match_numeric_gradients[batchnorm]": NET,
        P + "batch_normalization.py::test_fc_net_with_normalization_gradients_match_numeric_gradients[layernorm]": NET,
        H + "batch_normalization.py::test_fc_net_with_batchnorm_predicts_with_its_running_statistics": NET},
    "dropout": {P + f"dropout.py::test_fc_net_with_dropout_gradients_match_numeric_gradients[{p}]": NET
                for p in (0.75, 0.5)},
}


@pytest.fixture(scope="module")
def assignment():
    return course.load("assignment2")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_reference_passes_every_function_check(assignment, tmp_path, data_dir, notebook):
    outcomes = checks_of(assignment, tmp_path, data_dir, notebook)
    assert {test: o["message"] for test, o in outcomes.items() if o["status"] != "passed"} == {}


@pytest.mark.parametrize("layer", list(ZERO_LAYERS))
def test_a_layer_computing_zeros_forward_and_backward_fails_every_check_of_that_layer(assignment, tmp_path,
                                                                                      data_dir, layer):
    notebook, code = ZERO_LAYERS[layer]
    outcomes = checks_of(assignment, tmp_path, data_dir, notebook, LAYERS, code)
    checks = LAYER_CHECKS[layer]
    wrong = {test: (o["status"], o["earned"], o["message"]) for test, o in outcomes.items()
             if test in checks and (o["status"] != "failed" or o["earned"] or checks[test] not in o["message"])}
    assert wrong == {}
    assert set(checks) <= set(outcomes), sorted(set(checks) - set(outcomes))


@pytest.mark.parametrize("notebook", list(NET_LOSS_CHECKS))
def test_a_fc_net_loss_of_zero_with_zero_gradients_fails_every_check_of_its_loss(assignment, tmp_path, data_dir,
                                                                                 notebook):
    outcomes = checks_of(assignment, tmp_path, data_dir, notebook, FC_NET, NET_ZERO_LOSS)
    assert_fails_naming(outcomes, NET_LOSS_CHECKS[notebook])
