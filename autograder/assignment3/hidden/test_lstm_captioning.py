"""LSTM_Captioning hidden checks: the LSTM, the loss and sampling against the reference, and the
caption quality of the model the notebook trained, on held-out val images (gradekit.data.student_data)."""
import numpy as np
import pytest

from gradekit.autograde.captioning import assert_model_matches_reference, assert_sample_matches_reference
from gradekit.autograde.checks import assert_same_outputs
from gradekit.data.student_data import captions_held_out_from

pytestmark = pytest.mark.notebook("LSTM_Captioning")
R = "cs231n.rnn_layers."
MODEL = "cs231n.classifiers.rnn.CaptioningRNN"
VAL_IMAGES = 500


@pytest.mark.points(2)
def test_lstm_forward_and_backward_match_the_reference(student, reference, rng):
    N, T, D, H = (int(v) for v in rng.integers(2, 9, size=4))
    args = [rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(D, 4 * H)) / 2,
            rng.normal(size=(H, 4 * H)) / 2, rng.normal(size=4 * H)]
    dh = rng.normal(size=(N, T, H))
    mine = student.layer(R + "lstm_forward", R + "lstm_backward", *args, dout=dh)
    ref = reference.layer(R + "lstm_forward", R + "lstm_backward", *args, dout=dh)
    where = f"N={N} T={T} D={D} H={H}"
    assert_same_outputs(mine[0], ref[0], ["lstm_forward h"], tol=1e-9, where=where)
    assert_same_outputs(mine[1], ref[1], ["dx", "dh0", "dWx", "dWh", "db"], tol=1e-8, where=where)


@pytest.mark.points(2)
def test_captioning_loss_with_padded_captions_matches_the_reference(student, reference, rng):
    assert_model_matches_reference(student, reference, rng, "lstm")


@pytest.mark.points(1)
@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_sample_matches_the_reference(student, reference, rng, cell_type):
    assert_sample_matches_reference(student, reference, rng, cell_type)


@pytest.mark.points(4)
def test_saved_lstm_captions_held_out_val_images_with_the_target_bleu1(reference, artifacts, coco, targets, measured):
    saved = artifacts.load("lstm_captioning", "LSTM_Captioning")
    cell_type = str(saved.get("cell_type", "lstm"))
    model = reference.new(MODEL, coco["word_to_idx"], input_dim=saved["W_proj"].shape[0],
                          wordvec_dim=saved["W_embed"].shape[1], hidden_dim=saved["W_proj"].shape[1],
                          cell_type=cell_type, dtype=np.float64)
    missing = sorted(set(model.params) - set(saved))
    assert not missing, f"artifacts/lstm_captioning.npz lacks {missing}"
    model.params = {k: np.asarray(saved[k], dtype=np.float64) for k in model.params}
    images, references = held_out_val_references(reference, coco)
    sampled = model.sample(coco["val_features"][images], max_length=30)
    score = reference.call("cs231n.metrics.mean_bleu1", references, list(sampled))
    target = targets["lstm_held_out_bleu1"]
    measured(f"LSTM captions: mean BLEU-1 on {len(images)} held-out val images", score, target)
    assert score >= target, f"mean BLEU-1 on {len(images)} held-out val images {score:.3f} < {target}"


def held_out_val_references(reference, coco):
    """The first VAL_IMAGES held-out val images (whose captions no graded notebook is given) and
    the captions of each."""
    images, references = reference.call("cs231n.metrics.references_by_image", coco["val_captions"],
                                        coco["val_image_idxs"])
    first = int(np.searchsorted(images, captions_held_out_from(coco["val_features"].shape[0])))
    return images[first:first + VAL_IMAGES], references[first:first + VAL_IMAGES]
