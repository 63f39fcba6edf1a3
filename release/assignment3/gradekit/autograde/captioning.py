"""Checks shared by the captioning notebooks (RNN and LSTM), run on the student's code."""
import time

import numpy as np

from gradekit.autograde.checks import assert_shape, describe, real_array

MODEL = "cs231n.classifiers.rnn.CaptioningRNN"
SOLVER = "cs231n.captioning_solver.CaptioningSolver"
SAMPLE_VOCAB = {"<NULL>": 0, "<START>": 1, "<END>": 2, "cat": 3, "dog": 4}


# 100 Adam steps of a 512-unit model: seconds on an idle machine, minutes on a loaded one.
OVERFIT_TIMEOUT = 600


EPOCHS = 50


def assert_overfits(student, captions_folder, cell_type, lr_decay, below):
    """The notebooks' overfitting run (50 training captions, 50 epochs, Adam 5e-3) starts where an
    untrained model must (about log(V) per word: every word about as likely at small weights) and
    ends with a loss below `below`. `captions_folder`: the captioning data as the student's code
    reads it (the `student_datasets` fixture).

    The solver trains one epoch per call (its loss history and learning rate carry over, as in one
    50-epoch run), so a loss that turns NaN ends the check at that epoch instead of training a
    diverged model to the end; all 50 epochs share OVERFIT_TIMEOUT."""
    what = f"CaptioningRNN ({cell_type})"
    data = student.call("cs231n.coco_utils.load_coco_data", base_dir=captions_folder,
                        max_train=50, seed=231, keep=True)  # it holds image URLs (strings): it stays in the worker
    word_to_idx = student.call("operator.getitem", data, "word_to_idx")
    features = student.call("operator.getitem", data, "train_features", keep=True)
    model = student.new(MODEL, word_to_idx, input_dim=student.call("numpy.shape", features)[1], wordvec_dim=256,
                        hidden_dim=512, cell_type=cell_type, seed=231)
    (first, words), V = untrained_loss(student, data, features, model, word_to_idx["<NULL>"], what), len(word_to_idx)
    assert abs(first / (words * np.log(V)) - 1) < 0.05, \
        f"{what}: the training loss of the untrained model (seed 231) on the 50 captions is {first:.3f}, expected " \
        f"about log(V) = {np.log(V):.3f} per word: {words * np.log(V):.3f} for {words:.2f} words per caption (V={V})"
    solver = student.new(SOLVER, model, data, update_rule="adam", num_epochs=1, batch_size=25,
                         optim_config={"learning_rate": 5e-3}, lr_decay=lr_decay, verbose=False, seed=231)
    deadline = time.monotonic() + OVERFIT_TIMEOUT
    history = []
    for epoch in range(1, EPOCHS + 1):
        solver.train(timeout=max(1.0, deadline - time.monotonic()))
        history = solver.get("loss_history")
        assert isinstance(history, list) and len(history) == 2 * epoch, \
            f"{epoch} epochs of 2 minibatches gave {describe(history)} as the loss history, expected {2 * epoch} losses"
        last = real_array(history[-1], "the CaptioningSolver's loss history")
        assert not np.any(np.isnan(last)), f"training loss ({cell_type}) is NaN after epoch {epoch} of {EPOCHS}"
    final = float(history[-1])
    assert final < below, f"{what}: final training loss {final:.3f} after 50 epochs on 50 examples, expected < {below}"


def untrained_loss(student, data, features, model, null, what):
    """(the model's loss on all the data's training captions, their mean number of words)."""
    captions = real_array(student.call("operator.getitem", data, "train_captions"), "train_captions")
    images = student.call("operator.getitem", data, "train_image_idxs")
    words = float(np.mean(np.sum(captions[:, 1:] != null, axis=1)))
    loss = real_array(model.loss(student.call("numpy.take", features, images, axis=0), captions)[0], f"{what} loss")
    assert loss.size == 1, f"{what}.loss returned a loss of shape {loss.shape}, expected one number"
    return float(loss.reshape(())), words


def sample_is_well_formed(student, cell_type):
    """`sample` returns (N, max_length) word indices of the model's vocabulary."""
    model = student.new(MODEL, SAMPLE_VOCAB, input_dim=6, wordvec_dim=5, hidden_dim=7, cell_type=cell_type, seed=1)
    captions = np.asarray(model.sample(np.random.default_rng(1).normal(size=(3, 6)), max_length=7))
    assert_shape(captions, (3, 7), what=f"sample ({cell_type}) captions")
    assert captions.dtype.kind in "iu", f"sample ({cell_type}) returned {captions.dtype} values, expected word indices"
    outside = captions[(captions < 0) | (captions >= len(SAMPLE_VOCAB))]
    assert outside.size == 0, f"sample ({cell_type}) returned indices outside the vocabulary: {sorted(set(outside))}"


def random_captions(rng, N, T, V, null=0, start=1):
    """Captions starting with <START>, padded with <NULL> after a random length (for the mask)."""
    captions = rng.integers(3, V, size=(N, T))
    captions[:, 0] = start
    for row, length in zip(captions, rng.integers(2, T + 1, size=N)):
        row[length:] = null
    return captions


def twin_models(student, reference, rng, cell_type, dims):
    """The same CaptioningRNN, with the same random parameters, in the worker and the reference."""
    V, D, W, H = dims
    vocab = {"<NULL>": 0, "<START>": 1, "<END>": 2, **{f"w{i}": i for i in range(3, V)}}
    mine = student.new(MODEL, vocab, input_dim=D, wordvec_dim=W, hidden_dim=H, cell_type=cell_type, dtype="float64")
    ref = reference.new(MODEL, vocab, input_dim=D, wordvec_dim=W, hidden_dim=H, cell_type=cell_type,
                        dtype=np.float64)
    params = {k: rng.normal(size=v.shape) * 0.5 for k, v in ref.params.items()}
    mine.set("params", params)
    ref.params = {k: v.copy() for k, v in params.items()}
    return mine, ref


def assert_model_matches_reference(student, reference, rng, cell_type):
    """Loss and gradients of CaptioningRNN on padded captions agree with the reference's."""
    from gradekit.autograde.checks import assert_close

    V, D, W, H, N, T = (int(v) for v in rng.integers(5, 12, size=6))
    mine, ref = twin_models(student, reference, rng, cell_type, (V, D, W, H))
    features, captions = rng.normal(size=(N, D)), random_captions(rng, N, T, V)
    loss, grads = mine.loss(features, captions)
    ref_loss, ref_grads = ref.loss(features, captions)
    where = f"{cell_type}, V={V} N={N} T={T}, captions padded with <NULL>"
    assert_close(loss, ref_loss, tol=1e-9, what="loss", where=where)
    for name, value in ref_grads.items():
        assert name in grads, f"grads has no {name!r}"
        assert_close(grads[name], value, tol=1e-7, what=f"grads[{name!r}]", where=where)


def assert_sample_matches_reference(student, reference, rng, cell_type):
    """Greedy sampling with the same weights gives the reference's captions."""
    from gradekit.autograde.checks import assert_equal

    V, D, W, H, N = (int(v) for v in rng.integers(5, 12, size=5))
    mine, ref = twin_models(student, reference, rng, cell_type, (V, D, W, H))
    features = rng.normal(size=(N, D))
    sampled, expected = np.asarray(mine.sample(features, max_length=8)), ref.sample(features, max_length=8)
    assert_shape(sampled, expected.shape, what=f"sample ({cell_type}) captions")
    for row, (words, wanted) in enumerate(zip(sampled, expected)):
        ends = np.flatnonzero(wanted == SAMPLE_VOCAB["<END>"])
        cut = ends[0] + 1 if ends.size else len(wanted)  # stopping at <END> is optional
        assert_equal(words[:cut], wanted[:cut], what=f"sample ({cell_type}) caption {row}",
                     where=f"V={V}, max_length 8, words up to the first <END>")
