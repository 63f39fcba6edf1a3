"""Dropout hidden checks: the backward uses the forward's mask; no dropout at test time."""
import numpy as np
import pytest

from gradekit.autograde.checks import assert_close, assert_inverted_dropout

pytestmark = pytest.mark.notebook("Dropout")
L = "cs231n.layers."
FC_NET = "cs231n.classifiers.fc_net.FullyConnectedNet"


@pytest.mark.points(1)
def test_dropout_backward_uses_the_mask_of_its_forward(student, rng):
    x, dout, p = rng.normal(size=(30, 20)) + 5, rng.normal(size=(30, 20)), float(rng.uniform(0.2, 0.9))
    out, dx = student.layer(L + "dropout_forward", L + "dropout_backward", x, {"mode": "train", "p": p}, dout=dout)
    assert_inverted_dropout(out, x, p, f"dropout_forward out (train mode, p={p:.2f})")
    assert_close(dx, dout * out / x, tol=1e-9, what=f"dropout_backward dx (p={p:.2f})",
                 where="dx must be dout times the forward's mask scaled by 1/p")


@pytest.mark.points(1)
def test_fc_net_does_not_drop_units_at_test_time(student, reference, rng):
    D, C = 7, 3
    mine = student.new(FC_NET, [9, 6], input_dim=D, num_classes=C, dropout=0.5, dtype="float64")
    ref = reference.new(FC_NET, [9, 6], input_dim=D, num_classes=C, dtype=np.float64)  # no dropout
    params = {k: rng.normal(size=v.shape) for k, v in ref.params.items()}
    mine.set("params", params)
    ref.params = params
    X = rng.normal(size=(6, D))
    assert_close(mine.loss(X), ref.loss(X), tol=1e-9,
                 what="test-time scores of a net with dropout=0.5 (must equal the same net without dropout)")
