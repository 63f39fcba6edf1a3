"""Dropout (10 points with the hidden checks): inverted dropout with p the keep probability."""
import numpy as np
import pytest

from gradekit.autograde.checks import (assert_close, assert_inverted_dropout, assert_layer_gradients,
                                       assert_model_gradients)

pytestmark = pytest.mark.notebook("Dropout")
L = "cs231n.layers."
FC_NET = "cs231n.classifiers.fc_net.FullyConnectedNet"


@pytest.mark.points(1)
@pytest.mark.parametrize("p", [0.25, 0.4, 0.7])
def test_dropout_train_forward_keeps_a_fraction_p_and_preserves_the_mean(student, p):
    x = np.random.default_rng(231).normal(size=(500, 500)) + 10
    out = student.call(L + "dropout_forward", x, {"mode": "train", "p": p, "seed": 7}, pick=0)
    kept = float(np.mean(out != 0))
    assert abs(kept - p) < 0.01, \
        f"dropout_forward, p = {p}: {kept:.3f} of the units kept, expected about {p} (p is the keep probability)"
    assert abs(out.mean() - x.mean()) < 0.1, \
        f"dropout_forward, p = {p}: train output mean {out.mean():.3f}, input mean {x.mean():.3f} " \
        "(inverted dropout scales by 1/p)"


@pytest.mark.points(1)
def test_dropout_test_forward_is_the_identity(student):
    x = np.random.default_rng(232).normal(size=(50, 40)) + 10
    out = student.call(L + "dropout_forward", x, {"mode": "test", "p": 0.3}, pick=0)
    assert_close(out, x, tol=0, what="test-mode dropout_forward out (must equal the input)")


@pytest.mark.points(2)
def test_dropout_backward_matches_numeric_gradients(student, expected):
    x, dropout_param = expected["dropout_grad_x"], {"mode": "train", "p": 0.2, "seed": 123}
    out = student.call(L + "dropout_forward", x, dropout_param, pick=0)
    assert_inverted_dropout(out, x, 0.2, "dropout_forward out (train mode, p = 0.2)")
    assert_layer_gradients(student, L + "dropout_forward", L + "dropout_backward", [x, dropout_param],
                           expected["dropout_grad_dout"], {"dx": 0}, tol=1e-9)


@pytest.mark.points(1)
@pytest.mark.parametrize("dropout", [0.75, 0.5])
def test_fc_net_with_dropout_gradients_match_numeric_gradients(student, expected, dropout):
    net = student.new(FC_NET, [5, 4], input_dim=6, num_classes=3, weight_scale=5e-1, dtype="float64",
                      dropout=dropout, kwargs={"seed": 123})
    case = "dropout_net_grad_"
    net.set("params", {k[len(case + "param_"):]: v for k, v in expected.items() if k.startswith(case + "param_")})
    what = f"FullyConnectedNet (dropout={dropout})"
    assert_close(net.loss(expected[case + "X"]), expected[case + "scores"], tol=1e-9,
                 what=f"{what} test-time scores (no units dropped)")
    assert_model_gradients(net, expected[case + "X"], expected[case + "y"], tol=1e-6, what=what)
