"""RNN_Captioning (25 points with the hidden checks): vanilla RNN layers and the captioning model."""
import numpy as np
import pytest

from gradekit.autograde.captioning import assert_overfits, sample_is_well_formed
from gradekit.autograde.checks import assert_close, assert_layer_gradients, assert_model_gradients

pytestmark = pytest.mark.notebook("RNN_Captioning")
R = "cs231n.rnn_layers."
MODEL = "cs231n.classifiers.rnn.CaptioningRNN"
VOCAB = {"<NULL>": 0, "cat": 2, "dog": 3}
PARAM = "model_check_param_"


@pytest.mark.points(2)
def test_rnn_step_forward_matches_expected(student, expected):
    args = [expected[f"step_{k}"] for k in ("x", "prev_h", "Wx", "Wh", "b")]
    assert_close(student.call(R + "rnn_step_forward", *args, pick=0), expected["step_next_h"], tol=1e-8,
                 what="rnn_step_forward next_h")


@pytest.mark.points(3)
def test_rnn_step_backward_matches_numeric_gradients(student, expected):
    args = [expected[f"step_check_{k}"] for k in ("x", "prev_h", "Wx", "Wh", "b")]
    assert_layer_gradients(student, R + "rnn_step_forward", R + "rnn_step_backward", args,
                           expected["step_check_dnext_h"], {"dx": 0, "dprev_h": 1, "dWx": 2, "dWh": 3, "db": 4},
                           tol=1e-7, out=expected["step_check_next_h"], out_tol=1e-8)


@pytest.mark.points(2)
def test_rnn_forward_matches_expected(student, expected):
    args = [expected[f"seq_{k}"] for k in ("x", "h0", "Wx", "Wh", "b")]
    assert_close(student.call(R + "rnn_forward", *args, pick=0), expected["seq_h"], tol=1e-7, what="rnn_forward h")


@pytest.mark.points(3)
def test_rnn_backward_matches_numeric_gradients(student, expected):
    args = [expected[f"seq_check_{k}"] for k in ("x", "h0", "Wx", "Wh", "b")]
    assert_layer_gradients(student, R + "rnn_forward", R + "rnn_backward", args, expected["seq_check_dh"],
                           {"dx": 0, "dh0": 1, "dWx": 2, "dWh": 3, "db": 4}, tol=1e-6, out=expected["seq_check_h"])


@pytest.mark.points(1.5)
def test_word_embedding_forward_matches_expected(student, expected):
    out = student.call(R + "word_embedding_forward", expected["embed_x"], expected["embed_W"], pick=0)
    assert_close(out, expected["embed_out"], tol=1e-8, what="word_embedding_forward out")


@pytest.mark.points(2)
def test_word_embedding_backward_accumulates_repeated_words(student, expected):
    # 30 words from a vocabulary of 5: many repeats
    assert_layer_gradients(student, R + "word_embedding_forward", R + "word_embedding_backward",
                           [expected["embed_check_x"], expected["embed_check_W"]], expected["embed_check_dout"],
                           {"dW": 1}, tol=1e-9, out=expected["embed_check_out"], out_tol=1e-8)


@pytest.mark.points(2)
def test_captioning_rnn_loss_matches_expected(student, expected):
    model = student.new(MODEL, VOCAB, input_dim=20, wordvec_dim=30, hidden_dim=40, cell_type="rnn", dtype="float64")
    model.set("params", {k: np.linspace(-1.4, 1.3, num=v.size).reshape(v.shape)
                         for k, v in model.get("params").items()})
    loss, _ = model.loss(expected["model_features"], expected["model_captions"])
    assert_close(loss, expected["model_loss"], tol=1e-10, what="CaptioningRNN (rnn) loss")


@pytest.mark.points(3)
def test_captioning_rnn_gradients_match_numeric_gradients(student, expected):
    model = student.new(MODEL, VOCAB, input_dim=4, wordvec_dim=5, hidden_dim=6, cell_type="rnn", dtype="float64")
    model.set("params", {k[len(PARAM):]: v for k, v in expected.items() if k.startswith(PARAM)})  # seed 231's
    assert_model_gradients(model, expected["model_check_features"], expected["model_check_captions"], tol=1e-5,
                           h=1e-5, what="CaptioningRNN (rnn)", loss=expected["model_check_loss"], loss_tol=1e-10)


@pytest.mark.points(2)
def test_captioning_rnn_overfits_fifty_training_examples(student, student_datasets):
    # The course decays the rate by 0.95 per epoch; on the generated captions that stops near 0.2,
    # so the check keeps the rate constant (the reference then ends near 0.03).
    assert_overfits(student, student_datasets["captions"], "rnn", lr_decay=1.0, below=0.1)


@pytest.mark.points(1.5)
def test_captioning_rnn_sample_returns_word_indices(student):
    sample_is_well_formed(student, "rnn")
