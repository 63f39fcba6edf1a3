"""RNN_Captioning hidden checks: the RNN and the captioning loss against the reference."""
import pytest

from gradekit.autograde.captioning import assert_model_matches_reference
from gradekit.autograde.checks import assert_same_outputs

pytestmark = pytest.mark.notebook("RNN_Captioning")
R = "cs231n.rnn_layers."


@pytest.mark.points(1.5)
def test_rnn_forward_and_backward_match_the_reference(student, reference, rng):
    N, T, D, H = (int(v) for v in rng.integers(2, 9, size=4))
    args = [rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(D, H)) / 2,
            rng.normal(size=(H, H)) / 2, rng.normal(size=H)]
    dh = rng.normal(size=(N, T, H))
    mine = student.layer(R + "rnn_forward", R + "rnn_backward", *args, dout=dh)
    ref = reference.layer(R + "rnn_forward", R + "rnn_backward", *args, dout=dh)
    where = f"N={N} T={T} D={D} H={H}"
    assert_same_outputs(mine[0], ref[0], ["rnn_forward h"], tol=1e-9, where=where)
    assert_same_outputs(mine[1], ref[1], ["dx", "dh0", "dWx", "dWh", "db"], tol=1e-8, where=where)


@pytest.mark.points(1.5)
def test_captioning_loss_with_padded_captions_matches_the_reference(student, reference, rng):
    assert_model_matches_reference(student, reference, rng, "rnn")
