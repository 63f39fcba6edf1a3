"""Two-layer net hidden checks: the reference with random weights, and best_net on val."""
import pytest

from gradekit.autograde.checks import accuracy, assert_close

pytestmark = pytest.mark.notebook("two_layer_net")
NET = "cs231n.classifiers.neural_net.TwoLayerNet"


@pytest.mark.points(3)
def test_loss_and_gradients_match_the_reference_with_random_weights(student, reference, rng):
    D, H, C, N = (int(v) for v in rng.integers(2, 30, size=4))
    params = dict(W1=rng.normal(size=(D, H)), b1=rng.normal(size=H),
                  W2=rng.normal(size=(H, C)), b2=rng.normal(size=C))
    X, y, reg = rng.normal(size=(N, D)), rng.integers(0, C, N), float(rng.uniform(0.01, 1.0))
    mine, ref = student.new(NET, D, H, C), reference.new(NET, D, H, C)
    mine.set("params", params)
    ref.params = {k: v.copy() for k, v in params.items()}
    loss, grads = mine.loss(X, y, reg=reg)
    ref_loss, ref_grads = ref.loss(X, y, reg=reg)
    where = f"D={D} H={H} C={C} N={N} reg={reg:.3g}, nonzero biases"
    assert_close(loss, ref_loss, tol=1e-9, what="TwoLayerNet.loss loss", where=where)
    for name, value in ref_grads.items():
        assert name in grads, f"TwoLayerNet.loss: grads has no {name!r}"
        assert_close(grads[name], value, tol=1e-7, what=f"TwoLayerNet.loss grads[{name!r}]", where=where)


@pytest.mark.points(4)
def test_best_net_reaches_the_target_on_held_out_test_images(reference, artifacts, net_rows, targets, measured):
    params = artifacts.load("two_layer_net")
    missing = {"W1", "b1", "W2", "b2"} - set(params)
    assert not missing, f"artifacts/two_layer_net.npz lacks {sorted(missing)}"
    D, H = params["W1"].shape
    assert D == 3072, f"W1 has {D} inputs, expected 3072"
    model = reference.new(NET, D, H, params["W2"].shape[1])
    model.params = {k: params[k] for k in ("W1", "b1", "W2", "b2")}
    acc = accuracy(model.predict(net_rows["X_held_out"]), net_rows["y_held_out"])
    target = targets["two_layer_net_held_out"]
    measured("best_net: accuracy on 5000 held-out test images", acc, target)
    assert acc >= target, f"best_net accuracy {acc:.3f} < {target} on 5000 held-out test images"
