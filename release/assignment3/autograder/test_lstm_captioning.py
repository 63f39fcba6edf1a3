"""LSTM_Captioning (30 points with the hidden checks): LSTM layers and the captioning model."""
import numpy as np
import pytest

from gradekit.autograde.captioning import overfit_final_loss, sample_is_well_formed
from gradekit.autograde.checks import assert_close, assert_layer_gradients, assert_model_gradients

pytestmark = pytest.mark.notebook("LSTM_Captioning")
R = "cs231n.rnn_layers."
MODEL = "cs231n.classifiers.rnn.CaptioningRNN"
VOCAB = {"<NULL>": 0, "cat": 2, "dog": 3}


@pytest.mark.points(2.5)
def test_lstm_step_forward_matches_expected(student, expected):
    args = [expected[f"step_{k}"] for k in ("x", "prev_h", "prev_c", "Wx", "Wh", "b")]
    next_h, next_c = student.call(R + "lstm_step_forward", *args, pick=[0, 1])
    assert_close(next_h, expected["step_next_h"], tol=1e-8, what="lstm_step_forward next_h (gates i, f, o, g)")
    assert_close(next_c, expected["step_next_c"], tol=1e-8, what="lstm_step_forward next_c (gates i, f, o, g)")


@pytest.mark.points(4)
def test_lstm_step_backward_matches_numeric_gradients(student):
    rng = np.random.default_rng(231)
    N, D, H = 4, 5, 6
    args = [rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H)),
            rng.normal(size=(D, 4 * H)), rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)]
    assert_layer_gradients(student, R + "lstm_step_forward", R + "lstm_step_backward", args,
                           (rng.normal(size=(N, H)), rng.normal(size=(N, H))),
                           {"dx": 0, "dprev_h": 1, "dprev_c": 2, "dWx": 3, "dWh": 4, "db": 5}, tol=1e-7)


@pytest.mark.points(2.5)
def test_lstm_forward_matches_expected(student, expected):
    args = [expected[f"seq_{k}"] for k in ("x", "h0", "Wx", "Wh", "b")]
    assert_close(student.call(R + "lstm_forward", *args, pick=0), expected["seq_h"], tol=1e-7, what="lstm_forward h")


@pytest.mark.points(4)
def test_lstm_backward_matches_numeric_gradients(student):
    rng = np.random.default_rng(232)
    N, T, D, H = 2, 4, 3, 5
    args = [rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(D, 4 * H)),
            rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)]
    assert_layer_gradients(student, R + "lstm_forward", R + "lstm_backward", args, rng.normal(size=(N, T, H)),
                           {"dx": 0, "dh0": 1, "dWx": 2, "dWh": 3, "db": 4}, tol=1e-6)


@pytest.mark.points(2)
def test_captioning_lstm_loss_matches_expected(student, expected):
    model = student.new(MODEL, VOCAB, input_dim=20, wordvec_dim=30, hidden_dim=40, cell_type="lstm", dtype="float64")
    model.set("params", {k: np.linspace(-1.4, 1.3, num=v.size).reshape(v.shape)
                         for k, v in model.get("params").items()})
    loss, _ = model.loss(expected["model_features"], expected["model_captions"])
    assert_close(loss, expected["model_loss"], tol=1e-10, what="CaptioningRNN (lstm) loss")


@pytest.mark.points(3)
def test_captioning_lstm_gradients_match_numeric_gradients(student):
    rng = np.random.default_rng(234)
    model = student.new(MODEL, VOCAB, input_dim=4, wordvec_dim=5, hidden_dim=6, cell_type="lstm", dtype="float64",
                        seed=231)
    captions = rng.integers(0, 3, size=(2, 4))
    captions[:, 0] = 2
    assert_model_gradients(model, rng.normal(size=(2, 4)), captions, tol=1e-5, h=1e-5, what="CaptioningRNN (lstm)")


@pytest.mark.points(1)
def test_captioning_lstm_overfits_fifty_training_examples(student, data_dir):
    loss = overfit_final_loss(student, data_dir, "lstm", lr_decay=0.995)
    assert loss < 0.5, f"final training loss {loss:.3f} after 50 epochs on 50 examples, expected < 0.5"


@pytest.mark.points(1)
def test_captioning_lstm_sample_returns_word_indices(student):
    sample_is_well_formed(student, "lstm")
