"""BatchNormalization (30 points with the hidden checks): batch and layer normalisation."""
import numpy as np
import pytest

from gradekit.autograde.checks import assert_close, assert_layer_gradients, assert_model_gradients

pytestmark = pytest.mark.notebook("BatchNormalization")
L = "cs231n.layers."
FC_NET = "cs231n.classifiers.fc_net.FullyConnectedNet"
BN_GRADS = {"dx": 0, "dgamma": 1, "dbeta": 2}


def assert_norm_gradients(student, forward, backward, expected, case, param):
    """The gradient check of a normalisation layer on the inputs stored as <case>x, gamma, beta and
    dout (the notebook's: x = 5 randn + 12, random gamma, beta and dout), its output compared first."""
    args = [expected[case + name] for name in ("x", "gamma", "beta")] + [param]
    assert_layer_gradients(student, L + forward, L + backward, args, expected[case + "dout"], BN_GRADS, tol=1e-7,
                           out=expected[case + "out"])


@pytest.mark.points(3)
def test_batchnorm_train_forward_normalizes_each_feature(student):
    rng = np.random.default_rng(231)
    x = rng.normal(size=(200, 3)) * [1.0, 5.0, 20.0] + [3.0, -2.0, 40.0]
    for gamma, beta in [(np.ones(3), np.zeros(3)), (np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0]))]:
        out = student.call(L + "batchnorm_forward", x, gamma, beta, {"mode": "train"}, pick=0)
        where = f"gamma {gamma}, beta {beta}"
        assert_close(out.mean(axis=0), beta, tol=1e-6, what="batchnorm_forward per-feature means", where=where)
        assert_close(out.std(axis=0), gamma, tol=1e-3, what="batchnorm_forward per-feature stds", where=where)


@pytest.mark.points(3)
def test_batchnorm_running_statistics_match_expected(student, expected):
    bn_param = {"mode": "train", "momentum": 0.8}
    for batch in expected["bn_batches"]:
        bn_param = student.call(L + "batchnorm_forward", batch, expected["bn_gamma"], expected["bn_beta"],
                                bn_param, pick=0, with_args=True)["args"][3]
    for name in ("running_mean", "running_var"):
        assert name in bn_param, f"batchnorm_forward did not write {name} back into bn_param"
        assert_close(bn_param[name], expected[f"bn_{name}"], tol=1e-9,
                     what=f"{name} after 3 batches (momentum 0.8)")


@pytest.mark.points(3)
def test_batchnorm_test_forward_uses_the_running_statistics(student, expected):
    bn_param = {"mode": "test", "running_mean": expected["bn_running_mean"],
                "running_var": expected["bn_running_var"]}
    out = student.call(L + "batchnorm_forward", expected["bn_test_x"], expected["bn_gamma"], expected["bn_beta"],
                       bn_param, pick=0)
    assert_close(out, expected["bn_test_out"], tol=1e-9, what="test-mode batchnorm_forward out")


@pytest.mark.points(4)
def test_batchnorm_backward_matches_numeric_gradients(student, expected):
    assert_norm_gradients(student, "batchnorm_forward", "batchnorm_backward", expected, "bn_grad_", {"mode": "train"})


@pytest.mark.points(3)
def test_batchnorm_backward_alt_matches_numeric_gradients(student, expected):
    assert_norm_gradients(student, "batchnorm_forward", "batchnorm_backward_alt", expected, "bn_alt_grad_",
                          {"mode": "train"})


@pytest.mark.points(3)
def test_layernorm_forward_matches_expected(student, expected):
    out = student.call(L + "layernorm_forward", expected["ln_x"], expected["ln_gamma"], expected["ln_beta"], {},
                       pick=0)
    assert_close(out, expected["ln_out"], tol=1e-9, what="layernorm_forward out (each sample normalised)")


@pytest.mark.points(3)
def test_layernorm_backward_matches_numeric_gradients(student, expected):
    assert_norm_gradients(student, "layernorm_forward", "layernorm_backward", expected, "ln_grad_", {})


@pytest.mark.points(1.5)
@pytest.mark.parametrize("normalization", ["batchnorm", "layernorm"])
def test_fc_net_with_normalization_gradients_match_numeric_gradients(student, expected, normalization):
    net = student.new(FC_NET, [5, 4], input_dim=6, num_classes=3, reg=3.14, weight_scale=5e-1,
                      normalization=normalization, dtype="float64", seed=1)
    params = net.get("params")
    missing = sorted({"gamma1", "beta1", "gamma2", "beta2"} - set(params))
    assert not missing, f"FullyConnectedNet({normalization}) has no {', '.join(missing)} in params"
    case = f"{normalization}_net_grad_"
    net.set("params", {k[len(case + "param_"):]: v for k, v in expected.items() if k.startswith(case + "param_")})
    assert_model_gradients(net, expected[case + "X"], expected[case + "y"], tol=1e-5,
                           what=f"FullyConnectedNet ({normalization})", loss=expected[case + "loss"])
