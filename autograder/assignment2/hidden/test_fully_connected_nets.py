"""FullyConnectedNets hidden checks: the reference on random nets, and best_model on val."""
import numpy as np
import pytest

from gradekit.autograde.checks import accuracy, assert_close

pytestmark = pytest.mark.notebook("FullyConnectedNets")
FC_NET = "cs231n.classifiers.fc_net.FullyConnectedNet"


def random_net_case(rng):
    depth = int(rng.integers(1, 4))
    hidden = [int(h) for h in rng.integers(3, 12, size=depth)]
    D, C, N = (int(v) for v in rng.integers(3, 12, size=3))
    return hidden, D, C, N, float(rng.uniform(0.1, 3.0))


@pytest.mark.points(0.5)
def test_fc_net_loss_and_gradients_match_the_reference_with_random_weights(student, reference, rng):
    hidden, D, C, N, reg = random_net_case(rng)
    mine = student.new(FC_NET, hidden, input_dim=D, num_classes=C, reg=reg, dtype="float64")
    ref = reference.new(FC_NET, hidden, input_dim=D, num_classes=C, reg=reg, dtype=np.float64)
    params = {k: rng.normal(size=v.shape) for k, v in ref.params.items()}
    mine.set("params", params)
    ref.params = {k: v.copy() for k, v in params.items()}
    X, y = rng.normal(size=(N, D)), rng.integers(0, C, size=N)
    loss, grads = mine.loss(X, y)
    ref_loss, ref_grads = ref.loss(X, y)
    where = f"hidden {hidden}, D={D} C={C} N={N} reg={reg:.3g}, nonzero biases"
    assert_close(loss, ref_loss, tol=1e-9, what="FullyConnectedNet loss", where=where)
    for name, value in ref_grads.items():
        assert name in grads, f"FullyConnectedNet grads has no {name!r}"
        assert_close(grads[name], value, tol=1e-7, what=f"FullyConnectedNet grads[{name!r}]", where=where)


def rebuild_fc_net(reference, saved):
    """The reference FullyConnectedNet with the saved parameters and running statistics."""
    hidden = [int(h) for h in np.atleast_1d(saved["hidden_dims"])]
    normalization = str(saved["normalization"])
    normalization = None if normalization == "none" else normalization
    model = reference.new(FC_NET, hidden, normalization=normalization, dtype=np.float64)
    missing = sorted(set(model.params) - set(saved))
    assert not missing, f"artifacts/fc_net.npz lacks {missing}"
    model.params = {k: np.asarray(saved[k], dtype=np.float64) for k in model.params}
    if normalization == "batchnorm":
        for i, bn_param in enumerate(model.bn_params, start=1):
            bn_param["running_mean"] = saved[f"running_mean{i}"]
            bn_param["running_var"] = saved[f"running_var{i}"]
    return model


@pytest.mark.points(2)
def test_best_model_reaches_the_target_on_held_out_test_images(reference, artifacts, cifar, targets, measured):
    model = rebuild_fc_net(reference, artifacts.load("fc_net", "FullyConnectedNets"))
    acc = accuracy(np.argmax(model.loss(cifar["X_held_out"]), axis=1), cifar["y_held_out"])
    target = targets["fc_net_held_out"]
    measured("best_model: accuracy on 5000 held-out test images", acc, target)
    assert acc >= target, f"best_model accuracy {acc:.3f} < {target} on 5000 held-out test images"
