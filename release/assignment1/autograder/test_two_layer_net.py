"""Two-layer net (25 points with the hidden checks): the notebook's toy model, end to end."""
import numpy as np
import pytest

from gradekit.autograde.checks import assert_close, assert_equal, assert_finite, assert_gradient, rel_error

pytestmark = pytest.mark.notebook("two_layer_net")
NET = "cs231n.classifiers.neural_net.TwoLayerNet"
PARAMS = ["W1", "b1", "W2", "b2"]


def toy_net(student):
    """TwoLayerNet(4, 10, 3, std=1e-1) after np.random.seed(0), as in the notebook."""
    return student.new(NET, 4, 10, 3, std=1e-1, seed=0)


@pytest.mark.points(3)
def test_toy_scores_match_expected(student, expected):
    scores = toy_net(student).loss(expected["X"])
    assert_close(scores, expected["scores"], tol=1e-7, what="toy scores")


@pytest.mark.points(3)
def test_toy_loss_with_regularization_matches_expected(student, expected):
    loss, _ = toy_net(student).loss(expected["X"], expected["y"], reg=0.05)
    assert abs(loss - expected["loss"]) < 1e-10, \
        f"TwoLayerNet.loss: toy loss {loss:.12f} differs from the expected {float(expected['loss']):.12f} " \
        "(the regulariser is reg * (sum W1^2 + sum W2^2), no 1/2, biases not regularised)"


@pytest.mark.points(5)
def test_gradients_match_numeric_gradients(student, expected):
    """The loss itself first: a loss of 0 with zero gradients would agree with its numeric gradients."""
    X, y = expected["X"], expected["y"]
    net = toy_net(student)
    params = net.get("params")
    loss, grads = net.loss(X, y, reg=0.05)
    assert_close(loss, expected["loss"], tol=1e-9, what="TwoLayerNet.loss toy loss (reg=0.05)")
    for name in PARAMS:
        def loss_at(value, name=name):
            net.set("params", dict(params, **{name: value}))
            return net.loss(X, y, reg=0.05)[0]
        assert name in grads, f"TwoLayerNet.loss: grads has no {name!r} (keys: {sorted(grads)})"
        assert_gradient(grads[name], loss_at, params[name], tol=1e-8, what=f"TwoLayerNet.loss grads[{name!r}]")


START_TOL = 0.1
"""How far the toy training's first loss may be from the loss of all 5 examples at the initial
weights (`train_start_loss`): a minibatch of 200 drawn from them has a mean loss within 0.018
(one standard error) of it; 0.1 is 5.5 of those (the reference's first loss over 200 seeds: 1.22 to 1.32)."""


@pytest.mark.points(3)
def test_toy_training_reaches_loss_below_0_02(student, expected):
    """Starts at the toy net's loss at its initial weights, then falls below 0.02."""
    net = toy_net(student)
    X, y = expected["X"], expected["y"]
    stats = net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100, verbose=False, seed=0)
    history = assert_finite(stats["loss_history"], what="TwoLayerNet.train loss_history")
    start = float(expected["train_start_loss"])
    assert len(history) == 100, f"TwoLayerNet.train: loss_history has {len(history)} losses for 100 iterations"
    assert abs(history[0] - start) <= START_TOL, \
        f"TwoLayerNet.train: first loss {history[0]:.4f}, expected about {start:.4f} (within {START_TOL}), " \
        "the TwoLayerNet.loss of the toy examples at the initial weights"
    final = history[-1]
    assert final < 0.02, f"TwoLayerNet.train: final training loss {final:.4f} is not below 0.02 " \
                         f"(first {history[0]:.4f})"


@pytest.mark.points(2)
def test_predict_returns_the_highest_scoring_class(student, expected):
    net = toy_net(student)
    X = np.random.default_rng(0).normal(size=(20, 4)) * 10
    assert_equal(net.predict(X), np.argmax(net.loss(X), axis=1), what="TwoLayerNet.predict")


@pytest.mark.points(2)
def test_learning_rate_decays_once_per_epoch(student, expected):
    """With decay 0 the rate is 0 after the first epoch's bookkeeping, so later steps change nothing;
    the first step itself must move the parameters (zero gradients would change nothing at all)."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, size=40)
    short, long = toy_net(student), toy_net(student)
    options = dict(learning_rate=1e-1, learning_rate_decay=0.0, reg=0.0, batch_size=10)
    short.train(X, y, X, y, num_iters=1, seed=5, **options)
    long.train(X, y, X, y, num_iters=12, seed=5, **options)
    after_one = short.get("params")
    assert any(rel_error(after_one[name], expected[f"init_{name}"]) > 0 for name in PARAMS), \
        "TwoLayerNet.train: the first iteration (learning_rate 0.1) left every parameter at its initial " \
        "value: are the gradients of TwoLayerNet.loss all zero?"
    for name, value in after_one.items():
        assert_close(long.get("params")[name], value, tol=1e-12,
                     what=f"params[{name!r}] after 12 iterations with learning_rate_decay=0 "
                          "(should equal those after the first iteration)")
