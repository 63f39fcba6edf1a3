"""FullyConnectedNets (20 points with the hidden checks): layers, nets, update rules, the Solver."""
import numpy as np
import pytest

from gradekit.autograde.checks import (accuracy, assert_close, assert_equal, assert_layer_gradients,
                                       assert_model_gradients, real_array)

pytestmark = pytest.mark.notebook("FullyConnectedNets")
L = "cs231n.layers."
OPTIM = "cs231n.optim."
TWO_LAYER = "cs231n.classifiers.fc_net.TwoLayerNet"
FC_NET = "cs231n.classifiers.fc_net.FullyConnectedNet"
SOLVER = "cs231n.solver.Solver"


def case_params(expected, case):
    """The params of a gradient check's net, stored as <case>param_<name>."""
    return {k[len(case + "param_"):]: v for k, v in expected.items() if k.startswith(case + "param_")}


@pytest.mark.points(1)
def test_affine_forward_matches_expected(student, expected):
    out = student.call(L + "affine_forward", expected["affine_x"], expected["affine_w"], expected["affine_b"], pick=0)
    assert_close(out, expected["affine_out"], tol=1e-9, what="affine_forward out")


@pytest.mark.points(1.5)
def test_affine_backward_matches_numeric_gradients(student, expected):
    x, w, b = (expected["affine_grad_" + name] for name in ("x", "w", "b"))
    assert_layer_gradients(student, L + "affine_forward", L + "affine_backward", [x, w, b],
                           expected["affine_grad_dout"], {"dx": 0, "dw": 1, "db": 2}, tol=1e-8,
                           out=expected["affine_grad_out"])


@pytest.mark.points(0.5)
def test_relu_forward_matches_expected(student, expected):
    out = student.call(L + "relu_forward", expected["relu_x"], pick=0)
    assert_close(out, expected["relu_out"], tol=1e-9, what="relu_forward out")


@pytest.mark.points(1)
def test_relu_backward_matches_numeric_gradients(student, expected):
    assert_layer_gradients(student, L + "relu_forward", L + "relu_backward", [expected["relu_grad_x"]],
                           expected["relu_grad_dout"], {"dx": 0}, tol=1e-8, out=expected["relu_grad_out"])


@pytest.mark.points(1)
def test_two_layer_net_initialises_weights_at_scale_and_biases_at_zero(student):
    net = student.new(TWO_LAYER, input_dim=5, hidden_dim=50, num_classes=7, weight_scale=1e-3, seed=231)
    params = net.get("params")
    for name, shape in [("W1", (5, 50)), ("W2", (50, 7))]:
        assert params[name].shape == shape, f"{name} has shape {params[name].shape}, expected {shape}"
        assert abs(params[name].std() - 1e-3) < 1e-4, f"{name} std {params[name].std():.2e}, expected about 1e-3"
    for name in ("b1", "b2"):
        assert_equal(params[name], np.zeros_like(params[name]), what=name)


@pytest.mark.points(1)
def test_two_layer_net_scores_and_losses_match_expected(student, expected):
    net = student.new(TWO_LAYER, input_dim=5, hidden_dim=50, num_classes=7)
    net.set("params", {k: expected[f"net_{k}"] for k in ("W1", "b1", "W2", "b2")})
    assert_close(net.loss(expected["net_X"]), expected["net_scores"], tol=1e-9, what="test-time scores")
    assert_close(net.loss(expected["net_X"], expected["net_y"])[0], expected["net_loss"], tol=1e-10,
                 what="loss with reg = 0")
    net.set("reg", 1.0)
    assert_close(net.loss(expected["net_X"], expected["net_y"])[0], expected["net_reg_loss"], tol=1e-10,
                 what="loss with reg = 1.0 (0.5 * reg * sum(W**2))")


@pytest.mark.points(1)
@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_net_gradients_match_numeric_gradients(student, expected, reg):
    net = student.new(TWO_LAYER, input_dim=5, hidden_dim=6, num_classes=4, weight_scale=1e-1, reg=reg)
    net.set("params", case_params(expected, "two_layer_grad_"))
    assert_model_gradients(net, expected["two_layer_grad_X"], expected["two_layer_grad_y"], tol=1e-6,
                           what=f"TwoLayerNet (reg={reg:g})", loss=expected[f"two_layer_grad_loss_reg{reg:g}"])


@pytest.mark.points(0.5)
def test_fc_net_initial_loss_is_about_log_of_the_class_count(student):
    rng = np.random.default_rng(234)
    net = student.new(FC_NET, [20, 30], input_dim=15, num_classes=10, weight_scale=5e-2, dtype="float64", seed=1)
    loss, _ = net.loss(rng.normal(size=(50, 15)), rng.integers(0, 10, size=50))
    assert abs(loss - np.log(10)) < 0.15, f"FullyConnectedNet initial loss {loss:.3f}, expected about log(10) = 2.303"


@pytest.mark.points(1)
@pytest.mark.parametrize("reg", [0.0, 3.14])
def test_fc_net_gradients_match_numeric_gradients(student, expected, reg):
    net = student.new(FC_NET, [5, 4], input_dim=6, num_classes=3, reg=reg, weight_scale=5e-1, dtype="float64")
    net.set("params", case_params(expected, "fc_grad_"))
    assert_model_gradients(net, expected["fc_grad_X"], expected["fc_grad_y"], tol=1e-6,
                           what=f"FullyConnectedNet (reg={reg:g})", loss=expected[f"fc_grad_loss_reg{reg:g}"])


@pytest.mark.points(1)
def test_fc_net_loss_with_regularization_matches_expected(student, expected):
    net = student.new(FC_NET, [5, 4], input_dim=6, num_classes=3, reg=3.14, dtype="float64")
    net.set("params", {k[len("fc_"):]: v for k, v in expected.items() if k.startswith("fc_") and k[3] in "Wb"})
    loss, _ = net.loss(expected["fc_X"], expected["fc_y"])
    assert_close(loss, expected["fc_loss"], tol=1e-9, what="FullyConnectedNet loss (reg=3.14, biases not regularised)")


def overfit(student, expected, depth):
    """Train a FullyConnectedNet of `depth` layers with the student's Solver on 50 fixed examples;
    (its loss history, its train accuracy)."""
    X, y = expected["overfit_X"], expected["overfit_y"]
    setting = f"overfit_depth{depth}_"
    model = student.new(FC_NET, [int(h) for h in expected[setting + "hidden_dims"]], input_dim=3 * 8 * 8,
                        weight_scale=float(expected[setting + "weight_scale"]), dtype="float64", seed=0)
    data = dict(X_train=X, y_train=y, X_val=X, y_val=y)  # the Solver keeps the best params by "val"
    solver = student.new(SOLVER, model, data, num_epochs=20, batch_size=25, update_rule="sgd",
                         optim_config={"learning_rate": float(expected[setting + "learning_rate"])}, print_every=1000,
                         verbose=False, seed=0)
    solver.train()
    return real_array(solver.get("loss_history"), "Solver.loss_history"), \
        accuracy(np.argmax(model.loss(X), axis=1), y)


@pytest.mark.points(1)
@pytest.mark.parametrize("depth", [3, 5])
def test_fc_net_overfits_fifty_examples(student, expected, depth):
    history, train_acc = overfit(student, expected, depth)
    first = float(expected[f"overfit_depth{depth}_first_loss"])
    assert history.size, f"{depth}-layer FullyConnectedNet: the Solver recorded no training loss"
    assert first / 2 <= history[0] <= 2 * first, \
        f"{depth}-layer FullyConnectedNet: first training loss {history[0]:.3f}, expected within a factor 2 of " \
        f"{first:.3f} (the reference's with these seeds and weight scale)"
    assert np.mean(history[-2:]) < first / 10, \
        f"{depth}-layer FullyConnectedNet: training loss fell from {history[0]:.3f} to {np.mean(history[-2:]):.3f} " \
        f"(mean of the last epoch), expected below a tenth of {first:.3f}"
    assert train_acc == 1.0, f"{depth}-layer FullyConnectedNet reached {train_acc:.0%} training accuracy on 50 " \
                             "examples after 20 epochs, expected 100%"


@pytest.mark.points(1)
def test_solver_keeps_the_parameters_with_the_best_validation_accuracy(student):
    rng = np.random.default_rng(237)
    X, y = rng.normal(size=(60, 8)), rng.integers(0, 3, size=60)
    X_val, y_val = rng.normal(size=(40, 8)), rng.integers(0, 3, size=40)  # noise: val accuracy wanders
    model = student.new(FC_NET, [30], input_dim=8, num_classes=3, weight_scale=1e-1, dtype="float64", seed=0)
    solver = student.new(SOLVER, model, dict(X_train=X, y_train=y, X_val=X_val, y_val=y_val), num_epochs=15,
                         batch_size=10, optim_config={"learning_rate": 5e-2}, verbose=False, seed=0)
    solver.train()
    losses = real_array(solver.get("loss_history"), "Solver.loss_history")
    assert losses.size, "FullyConnectedNet: the Solver recorded no training loss"
    assert abs(losses[0] - np.log(3)) < 0.1, \
        f"FullyConnectedNet: first training loss {losses[0]:.3f}, expected about log(3) = 1.099 (3 classes, " \
        "weight scale 0.1)"
    assert np.mean(losses[-6:]) < losses[0], \
        f"FullyConnectedNet: training loss went from {losses[0]:.3f} to {np.mean(losses[-6:]):.3f} " \
        "(mean of the last epoch), expected it to fall"
    history = solver.get("val_acc_history")
    final = accuracy(np.argmax(model.loss(X_val), axis=1), y_val)
    assert abs(final - max(history)) < 1e-12, \
        f"after train() the model scores {final:.3f} on val, but the best recorded val accuracy was {max(history):.3f}"


@pytest.mark.points(1)
def test_sgd_momentum_matches_expected(student, expected):
    next_w, config = student.call(OPTIM + "sgd_momentum", expected["rule_w"], expected["rule_dw"],
                                  {"learning_rate": 1e-3, "velocity": expected["rule_v"]})
    assert_close(next_w, expected["momentum_next_w"], tol=1e-8, what="sgd_momentum next_w")
    assert_close(config["velocity"], expected["momentum_velocity"], tol=1e-8, what="sgd_momentum velocity")


@pytest.mark.points(1)
def test_rmsprop_matches_expected(student, expected):
    next_w, config = student.call(OPTIM + "rmsprop", expected["rule_w"], expected["rule_dw"],
                                  {"learning_rate": 1e-2, "cache": expected["rule_v"]})
    assert_close(next_w, expected["rmsprop_next_w"], tol=1e-7, what="rmsprop next_w")
    assert_close(config["cache"], expected["rmsprop_cache"], tol=1e-7, what="rmsprop cache")


@pytest.mark.points(1)
def test_adam_matches_expected(student, expected):
    next_w, config = student.call(OPTIM + "adam", expected["rule_w"], expected["rule_dw"],
                                  {"learning_rate": 1e-2, "m": expected["adam_m"], "v": expected["adam_v"], "t": 5})
    assert_close(next_w, expected["adam_next_w"], tol=1e-7, what="adam next_w (t incremented before use)")
    assert_close(config["m"], expected["adam_next_m"], tol=1e-7, what="adam m")
    assert_close(config["v"], expected["adam_next_v"], tol=1e-7, what="adam v")
