"""BatchNormalization hidden checks: batch and layer norm against the reference on random shapes."""
import numpy as np
import pytest

from gradekit.autograde.checks import assert_close, assert_same_outputs

pytestmark = pytest.mark.notebook("BatchNormalization")
L = "cs231n.layers."
FC_NET = "cs231n.classifiers.fc_net.FullyConnectedNet"


def norm_case(rng):
    N, D = (int(v) for v in rng.integers(3, 40, size=2))
    x = rng.normal(size=(N, D)) * rng.uniform(0.5, 10) + rng.uniform(-20, 20)
    return x, rng.normal(size=D), rng.normal(size=D), rng.normal(size=(N, D)), f"N={N} D={D}"


@pytest.mark.points(2)
def test_batchnorm_forward_and_backward_match_the_reference(student, reference, rng):
    x, gamma, beta, dout, where = norm_case(rng)
    momentum = float(rng.uniform(0.5, 0.99))
    for backward in ("batchnorm_backward", "batchnorm_backward_alt"):
        param = {"mode": "train", "momentum": momentum}
        mine = student.layer(L + "batchnorm_forward", L + backward, x, gamma, beta, param, dout=dout)
        ref = reference.layer(L + "batchnorm_forward", L + backward, x, gamma, beta, dict(param), dout=dout)
        assert_same_outputs(mine[0], ref[0], ["batchnorm_forward out"], tol=1e-9, where=where)
        assert_same_outputs(mine[1], ref[1], [f"{backward} dx", "dgamma", "dbeta"], tol=1e-7, where=where,
                            singleton_axes=True)


@pytest.mark.points(1)
def test_layernorm_forward_and_backward_match_the_reference(student, reference, rng):
    x, gamma, beta, dout, where = norm_case(rng)
    mine = student.layer(L + "layernorm_forward", L + "layernorm_backward", x, gamma, beta, {}, dout=dout)
    ref = reference.layer(L + "layernorm_forward", L + "layernorm_backward", x, gamma, beta, {}, dout=dout)
    assert_same_outputs(mine[0], ref[0], ["layernorm_forward out"], tol=1e-9, where=where)
    assert_same_outputs(mine[1], ref[1], ["layernorm_backward dx", "dgamma", "dbeta"], tol=1e-7, where=where,
                        singleton_axes=True)


@pytest.mark.points(2)
def test_fc_net_with_batchnorm_predicts_with_its_running_statistics(student, reference, rng):
    D, C = 6, 4
    mine = student.new(FC_NET, [8, 5], input_dim=D, num_classes=C, normalization="batchnorm", dtype="float64")
    ref = reference.new(FC_NET, [8, 5], input_dim=D, num_classes=C, normalization="batchnorm", dtype=np.float64)
    params = {k: rng.normal(size=v.shape) for k, v in ref.params.items()}
    mine.set("params", params)
    ref.params = {k: v.copy() for k, v in params.items()}
    for _ in range(3):  # training passes update the running statistics
        X, y = rng.normal(size=(10, D)) * 3 + 1, rng.integers(0, C, size=10)
        mine.loss(X, y)
        ref.loss(X, y)
    X_test = rng.normal(size=(5, D)) * 3 + 1
    assert_close(mine.loss(X_test), ref.loss(X_test), tol=1e-8,
                 what="FullyConnectedNet (batchnorm) test-time scores after 3 training passes (running statistics)")
