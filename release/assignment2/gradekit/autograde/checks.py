"""Assertions for autograder tests: each failure message carries the numbers a student needs."""
import numpy as np


def rel_error(x, y):
    """The course's relative error: max |x-y| / max(1e-8, |x|+|y|)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def assert_shape(value, shape, what="result"):
    """`value` is an array of exactly this shape."""
    actual = np.shape(value)
    assert isinstance(value, np.ndarray) or np.isscalar(value), \
        f"{what} should be a numpy array, got {type(value).__name__}"
    assert actual == tuple(shape), f"{what} has shape {actual}, expected {tuple(shape)}"


def assert_finite(value, what="result"):
    """No NaN or infinity (the mark of an overflow)."""
    array = np.asarray(value, dtype=float)
    bad = ~np.isfinite(array)
    assert not bad.any(), f"{what} has {int(bad.sum())} non-finite values (NaN or inf)"


def assert_close(actual, expected, tol=1e-7, what="result", where=None):
    """Relative error (the course's rel_error) at most `tol`, with shapes checked first."""
    expected = np.asarray(expected, dtype=float)
    assert np.shape(actual) == expected.shape, \
        f"{what} has shape {np.shape(actual)}, expected {expected.shape}{_at(where)}"
    assert_finite(actual, what)
    error = rel_error(actual, expected)
    assert error <= tol, f"{what} relative error {error:.1e} > {tol:.0e}{_at(where)}"


def assert_equal(actual, expected, what="result", where=None):
    """Exact equality (labels, counts), reporting how many entries differ."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, \
        f"{what} has shape {actual.shape}, expected {expected.shape}{_at(where)}"
    wrong = int(np.sum(actual != expected))
    assert wrong == 0, f"{what}: {wrong} of {actual.size} entries differ from the expected values{_at(where)}"


def numeric_gradient(f, x, h=1e-5):
    """Centred differences of a scalar function f at every entry of x (x is not modified)."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        plus = f(x.copy())
        x[ix] = old - h
        minus = f(x.copy())
        x[ix] = old
        grad[ix] = (plus - minus) / (2 * h)
    return grad


def assert_gradient(analytic, f, x, tol=1e-7, h=1e-5, what="gradient"):
    """The analytic gradient of scalar f at x matches centred differences."""
    assert_close(analytic, numeric_gradient(f, x, h), tol=tol, what=what,
                 where=f"shape {np.shape(x)}")


def numeric_gradient_array(f, x, dout, h=1e-5):
    """Centred differences of sum(f(x) * dout), for array-valued f (a layer's forward).

    With several outputs (an LSTM step's next_h and next_c), f returns a tuple and dout is the
    tuple of their upstream gradients.
    """
    douts = dout if isinstance(dout, tuple) else (dout,)
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)

    def outputs(value):
        out = f(value)
        return [np.asarray(o, dtype=float) for o in (out if isinstance(dout, tuple) else (out,))]

    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        plus = outputs(x.copy())
        x[ix] = old - h
        minus = outputs(x.copy())
        x[ix] = old
        grad[ix] = sum(np.sum((p - m) * d) for p, m, d in zip(plus, minus, douts)) / (2 * h)
    return grad


def assert_gradient_array(analytic, f, x, dout, tol=1e-7, h=1e-5, what="gradient"):
    """A backward pass's gradient matches centred differences of its forward f at x."""
    assert_close(analytic, numeric_gradient_array(f, x, dout, h), tol=tol, what=what,
                 where=f"shape {np.shape(x)}")


def assert_layer_gradients(caller, forward, backward, args, dout, names, tol=1e-7, h=1e-5, **kwargs):
    """A layer's backward, run on its own forward's cache, matches centred differences of the forward.

    `caller` is the `student` (or `reference`) fixture; `names` maps each gradient the backward
    returns, in order, to the forward argument it belongs to: {"dx": 0, "dw": 1, "db": 2}. A
    forward with several outputs before its cache takes a tuple `dout`, one per output.
    """
    pick = list(range(len(dout))) if isinstance(dout, tuple) else 0
    _, grads = caller.layer(forward, backward, *args, dout=dout, **kwargs)
    grads = grads if isinstance(grads, (tuple, list)) else (grads,)
    what = forward.rsplit(".", 1)[-1].replace("_forward", "_backward")
    assert len(grads) == len(names), \
        f"{what} returned {len(grads)} gradients, expected {len(names)} ({', '.join(names)})"
    for grad, (name, index) in zip(grads, names.items()):
        def f(value, index=index):
            changed = list(args)
            changed[index] = value
            return caller.call(forward, *changed, pick=pick, **kwargs)
        assert_gradient_array(grad, f, args[index], dout, tol=tol, h=h, what=f"{what} {name}")


def assert_model_gradients(model, X, y, tol=1e-6, h=1e-5, what="model"):
    """Every gradient `model.loss(X, y)` returns matches centred differences of its loss.

    `model` is a student (or reference) object with the course's model API: `params` and
    `loss(X, y) -> (loss, grads)`; its params are restored afterwards.
    """
    params = model.get("params")
    _, grads = model.loss(X, y)
    missing = sorted(set(params) - set(grads))
    assert not missing, f"{what}.loss returned no gradient for {', '.join(missing)}"
    try:
        for name in sorted(params):
            def f(value, name=name):
                model.set("params", {**params, name: value})
                return model.loss(X, y)[0]
            assert_gradient(grads[name], f, params[name], tol=tol, h=h, what=f"{what} d{name}")
    finally:
        model.set("params", params)


def assert_same_outputs(actual, expected, names, tol=1e-7, where=None):
    """Each named output of a call (a tuple, or one value) agrees with the reference's."""
    if len(names) == 1:
        actual, expected = (actual,), (expected,)
    assert isinstance(actual, (tuple, list)) and len(actual) == len(names), \
        f"expected {len(names)} results ({', '.join(names)}), got {_describe(actual)}"
    tols = tol if isinstance(tol, dict) else {name: tol for name in names}
    for name, mine, theirs in zip(names, actual, expected):
        assert_close(mine, theirs, tol=tols[name], what=name, where=where)


def accuracy(predicted, labels):
    """Fraction of matching labels."""
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))


def _describe(value):
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of {len(value)}"
    return type(value).__name__


def _at(where):
    return f" at {where}" if where else ""
