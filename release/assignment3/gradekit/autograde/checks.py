"""Assertions for autograder tests: each failure message carries the numbers a student needs.

Every helper first checks what it is given: a value from the student must be real numbers (an
array, a number, or a list of them; bool, integer, float32 or float64), finite wherever it is
compared. Anything else fails as an AssertionError (the student is told, the check is not blamed)
naming `what` and describing the value (type, dtype, shape) before numpy is asked to compare it.
"""
import sys

import numpy as np

GRADED = "only arrays of real numbers (bool, integer, float32, float64) are graded"


def real_array(value, what="result", where=None):
    """`value` as a numpy array of real numbers; anything else (None, a string, a complex number,
    a float16 or complex array, a list of strings or of unequal rows, a dict, an object) fails
    naming `what` and describing the value."""
    if _is_tensor(value):
        if value.is_complex() or (value.is_floating_point() and value.element_size() not in (4, 8)):
            raise AssertionError(f"{what} returned {describe(value)}: {GRADED}{_at(where)}")
        try:
            value = value.detach().cpu().resolve_conj().resolve_neg().numpy()
        except (TypeError, RuntimeError):  # quantized, sparse: no numpy equivalent
            raise AssertionError(f"{what} returned {describe(value)}: {GRADED}{_at(where)}") from None
    if not isinstance(value, (np.ndarray, np.generic, bool, int, float, list, tuple)):
        raise AssertionError(f"{what} returned {describe(value)}: {GRADED}{_at(where)}")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError):  # rows of unequal lengths, objects numpy cannot hold
        raise AssertionError(f"{what} returned {describe(value)} of unequal shapes, which is not an array: "
                             f"{GRADED}{_at(where)}") from None
    if not _real(array.dtype):
        raise AssertionError(f"{what} returned {describe(value)}: {GRADED}{_at(where)}")
    return array


def rel_error(x, y):
    """The course's relative error: max |x-y| / max(1e-8, |x|+|y|), of real arrays only (a
    complex value is refused, not stripped of its imaginary part)."""
    x, y = real_array(x, "x").astype(float), real_array(y, "y").astype(float)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def assert_shape(value, shape, what="result"):
    """`value` is an array of real numbers (bool, integers, float32/float64) of exactly this shape."""
    if not isinstance(value, np.ndarray) and not _real_number(value):
        raise AssertionError(f"{what} should be a numpy array, got {describe(value)}")
    actual = real_array(value, what).shape
    assert actual == tuple(shape), f"{what} has shape {actual}, expected {tuple(shape)}"


def assert_finite(value, what="result", where=None):
    """Real numbers, none of them NaN or infinite (the mark of an overflow); returns the array.
    The message counts them: "dists returned non-finite values: NaN at 3 of 50 entries"."""
    array = real_array(value, what, where)
    if array.dtype.kind == "f":
        nan, inf = int(np.isnan(array).sum()), int(np.isinf(array).sum())
        if nan or inf:
            counts = " and ".join(f"{name} at {n}" for name, n in (("NaN", nan), ("infinity", inf)) if n)
            raise AssertionError(f"{what} returned non-finite values: {counts} of {array.size} "
                                 f"entr{'y' if array.size == 1 else 'ies'}{_at(where)}")
    return array


def assert_close(actual, expected, tol=1e-7, what="result", where=None, singleton_axes=False):
    """Relative error (the course's rel_error) at most `tol`; the value is checked first (real
    numbers, the expected shape, finite).

    With `singleton_axes` (gradients), a shape differing from the expected one only by axes of
    length 1 ((1, D) for (D,)) is compared by its values, as the course's notebooks compare them
    (their rel_error broadcasts, and so does the course's Solver update): the values earn their
    points, and a shape the course would accept costs none."""
    expected = real_array(expected, f"the expected {what}").astype(float)
    actual = real_array(actual, what, where)
    if singleton_axes and actual.shape != expected.shape and \
            [n for n in actual.shape if n != 1] == [n for n in expected.shape if n != 1]:
        actual = actual.reshape(expected.shape)
    assert actual.shape == expected.shape, \
        f"{what} has shape {actual.shape}, expected {expected.shape}{_at(where)}"
    assert_finite(actual, what, where)
    error = rel_error(actual, expected)
    assert error <= tol, f"{what} relative error {error:.1e} > {tol:.0e}{_at(where)}"


def assert_equal(actual, expected, what="result", where=None):
    """Exact equality (labels, counts), reporting how many entries differ."""
    actual, expected = real_array(actual, what, where), np.asarray(expected)
    assert actual.shape == expected.shape, \
        f"{what} has shape {actual.shape}, expected {expected.shape}{_at(where)}"
    assert_finite(actual, what, where)
    wrong = int(np.sum(actual != expected))
    assert wrong == 0, f"{what}: {wrong} of {actual.size} entries differ from the expected values{_at(where)}"


BATCH_CALLS = 256
"""Perturbed inputs sent to the worker in one request by the numeric-gradient checks."""
BATCH_BYTES = 32 << 20
"""... and at most this many bytes of them (the rest go in further requests)."""


class Perturbed:
    """A function of one input for the numeric-gradient checks: `f(value)` at one value, and
    `f.many(values)` at several, in as few requests to the worker as `many` (given) needs."""

    def __init__(self, one, many=None, size=None):
        """`size(value)`: the bytes one call sends (default: the value's own)."""
        self.one, self._many, self._size = one, many, size or _nbytes

    def __call__(self, value):
        return self.one(value)

    def many(self, values):
        if self._many is None:
            return [self.one(value) for value in values]
        results = []
        for chunk in _chunks(values, self._size):
            results += self._many(chunk)
        return results


def perturbations(x, h):
    """[(entry, "+ h" or "- h", x with that entry moved)], + then - for each entry in order."""
    moved = []
    for ix in np.ndindex(x.shape):
        for sign, step in ((1, f"+ {h:g}"), (-1, f"- {h:g}")):
            value = x.copy()
            value[ix] = x[ix] + sign * h
            moved.append((ix, step, value))
    return moved


def numeric_gradient(f, x, h=1e-5, what="the function"):
    """Centred differences of a scalar function f at every entry of x (x is not modified). Each
    value f returns must be one real, finite number; otherwise the failure names `what` and
    the entry. A `Perturbed` f is called on all the moved inputs at once (`f.many`)."""
    x = np.array(x, dtype=float)
    moved = perturbations(x, h)
    values = _evaluate(f, [value for _, _, value in moved])
    numbers = [_number(v, what, ix, step) for (ix, step, _), v in zip(moved, values)]
    grad = np.zeros_like(x)
    for k, ix in enumerate(np.ndindex(x.shape)):
        grad[ix] = (numbers[2 * k] - numbers[2 * k + 1]) / (2 * h)
    return grad


def assert_gradient(analytic, f, x, tol=1e-7, h=1e-5, what="gradient", allow_constant=False):
    """The analytic gradient of scalar f at x matches centred differences; returns those.

    A loss that does not change at all around x (every centred difference 0) fails unless
    `allow_constant`: a constant loss and a zero gradient agree without computing anything."""
    numeric = numeric_gradient(f, x, h, what=f"{what}: the loss")
    if not allow_constant and numeric.size and not np.any(numeric):
        raise AssertionError(f"{what}: the loss does not change when any of the {numeric.size} entries of its "
                             "input changes (numeric gradient 0 everywhere), so there is no gradient to check")
    assert_close(analytic, numeric, tol=tol, what=what, where=f"shape {np.shape(x)}", singleton_axes=True)
    return numeric


def numeric_gradient_array(f, x, dout, h=1e-5, what="the function"):
    """Centred differences of sum(f(x) * dout), for array-valued f (a layer's forward).

    With several outputs (an LSTM step's next_h and next_c), f returns a tuple and dout is the
    tuple of their upstream gradients. Each output must be real, finite and shaped like its dout.
    A `Perturbed` f is called on all the moved inputs at once.
    """
    douts = dout if isinstance(dout, tuple) else (dout,)
    x = np.array(x, dtype=float)

    def outputs(out):
        if isinstance(dout, tuple):
            assert isinstance(out, (tuple, list)) and len(out) == len(dout), \
                f"{what} returned {describe(out)}, expected {len(dout)} outputs"
        else:
            out = (out,)
        arrays = []
        for o, d in zip(out, douts):
            array = assert_finite(o, what).astype(float)
            assert array.shape == np.shape(d), f"{what} returned shape {array.shape}, expected {np.shape(d)}"
            arrays.append(array)
        return arrays

    moved = perturbations(x, h)
    values = [outputs(out) for out in _evaluate(f, [value for _, _, value in moved])]
    grad = np.zeros_like(x)
    for k, ix in enumerate(np.ndindex(x.shape)):
        plus, minus = values[2 * k], values[2 * k + 1]
        grad[ix] = sum(np.sum((p - m) * d) for p, m, d in zip(plus, minus, douts)) / (2 * h)
    return grad


def assert_gradient_array(analytic, f, x, dout, tol=1e-7, h=1e-5, what="gradient"):
    """A backward pass's gradient matches centred differences of its forward f at x."""
    assert_close(analytic, numeric_gradient_array(f, x, dout, h, what=f"{what}: the forward pass"), tol=tol,
                 what=what, where=f"shape {np.shape(x)}", singleton_axes=True)


def assert_layer_gradients(caller, forward, backward, args, dout, names, tol=1e-7, h=1e-5, out=None,
                           out_tol=1e-7, **kwargs):
    """A layer's backward, run on its own forward's cache, matches centred differences of the
    forward, and the forward's output at `args` is `out` (the expected or the reference's).

    `caller` is the `student` (or `reference`) fixture; `names` maps each gradient the backward
    returns, in order, to the forward argument it belongs to: {"dx": 0, "dw": 1, "db": 2}. A
    forward with several outputs before its cache takes a tuple `dout` and a tuple `out`, one per
    output. Checking `out` first means a forward that computes nothing (zeros in, zeros back)
    earns nothing. The student's forward runs on the moved inputs in batches (`student.batch`).
    """
    pick = list(range(len(dout))) if isinstance(dout, tuple) else 0
    forward_out, grads = caller.layer(forward, backward, *args, dout=dout, **kwargs)
    name = forward.rsplit(".", 1)[-1]
    if out is not None:
        outputs = [f"{name} out[{k}]" for k in range(len(dout))] if isinstance(dout, tuple) else [f"{name} out"]
        assert_same_outputs(forward_out, out, outputs, tol=out_tol)
    grads = grads if isinstance(grads, (tuple, list)) else (grads,)
    what = name.replace("_forward", "_backward")
    assert len(grads) == len(names), \
        f"{what} returned {len(grads)} gradients, expected {len(names)} ({', '.join(names)})"
    for grad, (name, index) in zip(grads, names.items()):
        def changed(value, index=index):
            return [value if i == index else arg for i, arg in enumerate(args)]

        def one(value, changed=changed):
            return caller.call(forward, *changed(value), pick=pick, **kwargs)

        def many(values, changed=changed):
            return caller.batch([caller.request_call(forward, *changed(v), pick=pick, kwargs=kwargs) for v in values])

        f = Perturbed(one, many if hasattr(caller, "batch") else None)
        assert_gradient_array(grad, f, args[index], dout, tol=tol, h=h, what=f"{what} {name}")


def assert_model_gradients(model, X, y, tol=1e-6, h=1e-5, what="model", loss=None, loss_tol=1e-7):
    """Every gradient `model.loss(X, y)` returns matches centred differences of its loss, and the
    loss itself is `loss` (the expected or the reference's value) when given.

    `model` is a student (or reference) object with the course's model API: `params` and
    `loss(X, y) -> (loss, grads)`; its params are restored afterwards. One parameter may leave
    the loss unchanged (a bias before a batch normalisation), not all of them. The losses at the
    moved parameters are computed in batches (each: set the params, then the loss).
    """
    params = model.get("params")
    assert isinstance(params, dict) and params, f"{what}.params is {describe(params)}, expected a dict of arrays"
    answer = model.loss(X, y)
    assert isinstance(answer, (tuple, list)) and len(answer) == 2, \
        f"{what}.loss(X, y) returned {describe(answer)}, expected (loss, grads)"
    if loss is not None:
        assert_close(answer[0], loss, tol=loss_tol, what=f"{what} loss")
    grads = answer[1]
    assert isinstance(grads, dict), f"{what}.loss(X, y) returned {describe(grads)} as its gradients, expected a dict"
    missing = sorted(set(params) - set(grads))
    assert not missing, f"{what}.loss returned no gradient for {', '.join(map(str, missing))}"
    sent = sum(_nbytes(v) for v in params.values()) + _nbytes(X) + _nbytes(y)  # by each moved call
    moved = False
    try:
        for name in sorted(params):
            def one(value, name=name):
                model.set("params", {**params, name: value})
                return model.loss(X, y)[0]

            def many(values, name=name):
                requests = []
                for value in values:
                    requests += [model.request_set("params", {**params, name: value}),
                                 model.request_method("loss", X, y, pick=0)]
                return model.student.batch(requests)[1::2]

            f = Perturbed(one, many if hasattr(model, "request_method") else None, size=lambda _: sent)
            numeric = assert_gradient(grads[name], f, params[name], tol=tol, h=h, what=f"{what} d{name}",
                                      allow_constant=True)
            moved = moved or bool(np.any(numeric))
    finally:
        model.set("params", params)
    assert moved, f"{what}: the loss does not change when any parameter changes (numeric gradients 0 " \
                  "everywhere), so there is no gradient to check"


def assert_same_outputs(actual, expected, names, tol=1e-7, where=None, singleton_axes=False):
    """Each named output of a call (a tuple, or one value) agrees with the reference's
    (`singleton_axes`: for gradients, see `assert_close`)."""
    if len(names) == 1:
        actual, expected = (actual,), (expected,)
    assert isinstance(actual, (tuple, list)) and len(actual) == len(names), \
        f"expected {len(names)} results ({', '.join(names)}), got {describe(actual)}"
    tols = tol if isinstance(tol, dict) else {name: tol for name in names}
    for name, mine, theirs in zip(names, actual, expected):
        assert_close(mine, theirs, tol=tols[name], what=name, where=where, singleton_axes=singleton_axes)


def assert_inverted_dropout(out, x, p, what):
    """`out` is inverted dropout of `x` in train mode: each entry is 0 (dropped) or its input
    scaled by 1/p (kept), and the number kept is within 5 standard deviations of p of them, but
    not 0. Any mask the student draws passes: the course does not say how to draw it."""
    out = real_array(out, what)
    assert out.shape == x.shape, f"{what} has shape {out.shape}, expected {x.shape}"
    kept = out != 0
    n, spread = kept.size, 5 * np.sqrt(kept.size * p * (1 - p))
    assert 0 < kept.sum() and abs(kept.sum() - p * n) <= spread, \
        f"{what} keeps {kept.sum()} of {n} units, expected about p * {n} = {p * n:g} (within {spread:.0f}, not 0)"
    assert_close(out[kept], x[kept] / p, tol=1e-9, what=f"{what} at the kept units (input / p)")


def accuracy(predicted, labels, what="the predictions"):
    """Fraction of matching labels (the predictions must be real numbers of the labels' shape)."""
    predicted, labels = real_array(predicted, what), np.asarray(labels)
    assert predicted.shape == labels.shape, f"{what} have shape {predicted.shape}, expected {labels.shape}"
    return float(np.mean(predicted == labels))


def describe(value):
    """What a value is, for messages: `None`, `a complex number (1+2j)`, `a str 'abc'`,
    `a float16 array of shape (2, 3)`, `a list of 3 items (str)`, `a dict with keys W, b`."""
    if value is None:
        return "None"
    if _is_tensor(value):
        return f"a {str(value.dtype).replace('torch.', '')} tensor of shape {tuple(value.shape)}"
    if isinstance(value, np.ndarray):
        return f"a {value.dtype.name} array of shape {value.shape}"
    if isinstance(value, np.generic):
        return f"a numpy {value.dtype.name} {_short(value.item())}"
    for kind, name in ((bool, "a bool"), (int, "an int"), (float, "a float"), (complex, "a complex number"),
                       (str, "a str"), (bytes, "a bytes")):
        if isinstance(value, kind):
            return f"{name} {_short(value)}"
    if isinstance(value, (list, tuple)):
        kind = type(value).__name__
        if not value:
            return f"an empty {kind}"
        items = ", ".join(sorted({type(v).__name__ for v in value}))
        return f"a {kind} of {len(value)} item{'s' if len(value) > 1 else ''} ({items})"
    if isinstance(value, dict):
        keys = ", ".join(str(k) for k in list(value)[:6]) + (", ..." if len(value) > 6 else "")
        return f"a dict with keys {keys}" if value else "an empty dict"
    return f"a {type(value).__name__}"


def _evaluate(f, values):
    """f at each of `values`: through `f.many` when f is `Perturbed`, else one call each."""
    return f.many(values) if isinstance(f, Perturbed) else [f(value) for value in values]


def _chunks(values, size_of):
    """`values` in runs of at most BATCH_CALLS values and BATCH_BYTES sent (at least one each)."""
    chunk, size = [], 0
    for value in values:
        nbytes = size_of(value)
        if chunk and (len(chunk) >= BATCH_CALLS or size + nbytes > BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(value)
        size += nbytes
    if chunk:
        yield chunk


def _nbytes(value):
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    return getattr(value, "nbytes", 64)


def _number(value, what, ix, step):
    """One value of a scalar function in a numeric gradient: one real, finite number."""
    array = real_array(value, what)
    assert array.size == 1, f"{what} returned {describe(value)}, expected one number"
    number = float(array.reshape(()))
    assert np.isfinite(number), f"{what} returned {'NaN' if np.isnan(number) else number} at entry {ix} {step}"
    return number


def _real(dtype):
    return dtype.kind in "biu" or (dtype.kind == "f" and dtype.itemsize in (4, 8))


def _real_number(value):
    return isinstance(value, (bool, int, float)) or (isinstance(value, np.generic) and _real(value.dtype))


def _is_tensor(value):
    """A torch tensor, without importing torch when nobody has."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _short(value, limit=40):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _at(where):
    return f" at {where}" if where else ""
