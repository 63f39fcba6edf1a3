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


def accuracy(predicted, labels):
    """Fraction of matching labels."""
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))


def _at(where):
    return f" at {where}" if where else ""
