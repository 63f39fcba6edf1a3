"""Assignment 3: a function that computes nothing (zeros, or a constant with a zero gradient) earns
nothing, though its numeric gradients agree with its backward: every check of it also compares its
value. Each variant is the reference package with one function redefined at the end of its module,
graded by the real public and hidden checks of the notebooks that use it."""

import pytest

from gradekit import course

from autograder_runs import changed_reference_checks

pytestmark = pytest.mark.integration

RNN_LAYERS, GAN = "cs231n/rnn_layers.py", "cs231n/gan.py"
ZERO_RNN_STEP = '''

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return np.zeros((x.shape[0], Wh.shape[0])), (x, prev_h, Wx, Wh, b)


def rnn_step_backward(dnext_h, cache):
    return tuple(np.zeros_like(value) for value in cache)
'''
ZERO_TEMPORAL_SOFTMAX_LOSS = '''

def temporal_softmax_loss(x, y, mask, verbose=False):
    return 0.0, np.zeros_like(x)
'''
# A constant built from the logits: autograd and centred differences agree on its zero gradient.
CONSTANT_DISCRIMINATOR_LOSS = '''

def discriminator_loss(logits_real, logits_fake):
    return 0 * (logits_real.sum() + logits_fake.sum()) + 1.0
'''


def outcomes_with(tmp_path, data_dir, module, definition, test_files):
    """{check id: outcome} of `test_files` (public and hidden) with `definition` appended to `module`."""
    return changed_reference_checks(course.load("assignment3"), tmp_path, data_dir, test_files, module,
                                    lambda text: text + definition)


def failures(outcomes, selected):
    """{check id: message} of the checks `selected` names (ids containing one of them)."""
    chosen = {t: o for t, o in outcomes.items() if any(s in t for s in selected)}
    assert chosen, f"no check matches {selected}"
    return {t: o["message"] or "" for t, o in chosen.items() if o["status"] == "failed"}, set(chosen)


def test_a_zero_rnn_step_with_a_zero_backward_fails_every_rnn_step_check(tmp_path, data_dir):
    outcomes = outcomes_with(tmp_path, data_dir, RNN_LAYERS, ZERO_RNN_STEP, ["test_rnn_captioning.py"])
    failed, chosen = failures(outcomes, ["test_rnn_step_"])
    assert set(failed) == chosen == {"public/test_rnn_captioning.py::test_rnn_step_forward_matches_expected",
                                     "public/test_rnn_captioning.py::test_rnn_step_backward_matches_numeric_gradients"}
    assert all("rnn_step_forward" in message for message in failed.values()), failed


def test_a_temporal_softmax_loss_of_zero_fails_every_captioning_loss_check(tmp_path, data_dir):
    outcomes = outcomes_with(tmp_path, data_dir, RNN_LAYERS, ZERO_TEMPORAL_SOFTMAX_LOSS,
                             ["test_rnn_captioning.py", "test_lstm_captioning.py"])
    # The model's loss is temporal_softmax_loss of its scores: its value, gradients, training.
    failed, chosen = failures(outcomes, ["_loss_matches_expected", "_gradients_match_numeric_gradients", "_overfits_",
                                         "loss_with_padded_captions"])
    assert set(failed) == chosen and len(chosen) == 8, (chosen, failed)
    assert all("loss" in message for message in failed.values()), failed
    assert all("CaptioningRNN" in message for test, message in failed.items() if test.startswith("public/")), failed


def test_a_constant_discriminator_loss_fails_every_discriminator_loss_check(tmp_path, data_dir):
    outcomes = outcomes_with(tmp_path, data_dir, GAN, CONSTANT_DISCRIMINATOR_LOSS, ["test_gans.py"])
    failed, chosen = failures(outcomes, ["[discriminator_loss]"])
    assert set(failed) == chosen and len(chosen) == 3, (chosen, failed)
    assert all("discriminator_loss" in message for message in failed.values()), failed


def test_the_reference_passes_the_checks_these_variants_fail(tmp_path, data_dir):
    outcomes = outcomes_with(tmp_path, data_dir, RNN_LAYERS, "",
                             ["test_rnn_captioning.py", "test_lstm_captioning.py", "test_gans.py"])
    assert {t: o["message"] for t, o in outcomes.items() if o["status"] != "passed"} == {}
