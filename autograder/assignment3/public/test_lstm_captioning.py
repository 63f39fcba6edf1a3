"""LSTM_Captioning (30 points with the hidden checks): LSTM layers and the captioning model."""
import numpy as np
import pytest

from gradekit.autograde.captioning import assert_overfits, sample_is_well_formed
from gradekit.autograde.checks import assert_close, assert_layer_gradients, assert_model_gradients

pytestmark = pytest.mark.notebook("LSTM_Captioning")
R = "cs231n.rnn_layers."
MODEL = "cs231n.classifiers.rnn.CaptioningRNN"
VOCAB = {"<NULL>": 0, "cat": 2, "dog": 3}
PARAM = "model_check_param_"


@pytest.mark.points(2.5)
def test_lstm_step_forward_matches_expected(student, expected):
    args = [expected[f"step_{k}"] for k in ("x", "prev_h", "prev_c", "Wx", "Wh", "b")]
    next_h, next_c = student.call(R + "lstm_step_forward", *args, pick=[0, 1])
    assert_close(next_h, expected["step_next_h"], tol=1e-8, what="lstm_step_forward next_h (gates i, f, o, g)")
    assert_close(next_c, expected["step_next_c"], tol=1e-8, what="lstm_step_forward next_c (gates i, f, o, g)")


@pytest.mark.points(4)
def test_lstm_step_backward_matches_numeric_gradients(student, expected):
    args = [expected[f"step_check_{k}"] for k in ("x", "prev_h", "prev_c", "Wx", "Wh", "b")]
    assert_layer_gradients(student, R + "lstm_step_forward", R + "lstm_step_backward", args,
                           (expected["step_check_dnext_h"], expected["step_check_dnext_c"]),
                           {"dx": 0, "dprev_h": 1, "dprev_c": 2, "dWx": 3, "dWh": 4, "db": 5}, tol=1e-6,
                           out=(expected["step_check_next_h"], expected["step_check_next_c"]), out_tol=1e-8)


@pytest.mark.points(2.5)
def test_lstm_forward_matches_expected(student, expected):
    args = [expected[f"seq_{k}"] for k in ("x", "h0", "Wx", "Wh", "b")]
    assert_close(student.call(R + "lstm_forward", *args, pick=0), expected["seq_h"], tol=1e-7, what="lstm_forward h")


@pytest.mark.points(4)
def test_lstm_backward_matches_numeric_gradients(student, expected):
    args = [expected[f"seq_check_{k}"] for k in ("x", "h0", "Wx", "Wh", "b")]
    assert_layer_gradients(student, R + "lstm_forward", R + "lstm_backward", args, expected["seq_check_dh"],
                           {"dx": 0, "dh0": 1, "dWx": 2, "dWh": 3, "db": 4}, tol=1e-6, out=expected["seq_check_h"])


@pytest.mark.points(2)
def test_captioning_lstm_loss_matches_expected(student, expected):
    model = student.new(MODEL, VOCAB, input_dim=20, wordvec_dim=30, hidden_dim=40, cell_type="lstm", dtype="float64")
    model.set("params", {k: np.linspace(-1.4, 1.3, num=v.size).reshape(v.shape)
                         for k, v in model.get("params").items()})
    loss, _ = model.loss(expected["model_features"], expected["model_captions"])
    assert_close(loss, expected["model_loss"], tol=1e-10, what="CaptioningRNN (lstm) loss")


@pytest.mark.points(3)
def test_captioning_lstm_gradients_match_numeric_gradients(student, expected):
    model = student.new(MODEL, VOCAB, input_dim=4, wordvec_dim=5, hidden_dim=6, cell_type="lstm", dtype="float64")
    model.set("params", {k[len(PARAM):]: v for k, v in expected.items() if k.startswith(PARAM)})  # seed 231's
    assert_model_gradients(model, expected["model_check_features"], expected["model_check_captions"], tol=1e-5,
                           h=1e-5, what="CaptioningRNN (lstm)", loss=expected["model_check_loss"], loss_tol=1e-10)


@pytest.mark.points(1)
def test_captioning_lstm_overfits_fifty_training_examples(student, student_datasets):
    assert_overfits(student, student_datasets["captions"], "lstm", lr_decay=0.995, below=0.5)


@pytest.mark.points(1)
def test_captioning_lstm_sample_returns_word_indices(student):
    sample_is_well_formed(student, "lstm")
