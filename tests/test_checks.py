"""The check helpers grade only real numbers, and say what they got when it is anything else."""
import re
import textwrap

import numpy as np
import pytest

from gradekit.autograde import checks
from gradekit.autograde.checks import (accuracy, assert_close, assert_equal, assert_finite, assert_gradient,
                                       assert_model_gradients, assert_shape, rel_error)
from gradekit.autograde.student import StudentProcess

pytestmark = pytest.mark.unit

GRADED = re.escape(checks.GRADED)


def refused(what, message):
    return pytest.raises(AssertionError, match=rf"^{re.escape(what)} returned {message}")


# -- real_array: what every helper accepts ---------------------------------------------------------
@pytest.mark.parametrize("value, description", [
    (1 + 2j, r"a complex number \(1\+2j\)"),
    (None, "None"),
    ("0.5", "a str '0.5'"),
    (["a", "b"], r"a list of 2 items \(str\)"),
    ([1.0, None], r"a list of 2 items \(NoneType, float\)"),
    ({"dists": np.zeros(2)}, "a dict with keys dists"),
], ids=["complex", "None", "string", "list of strings", "list with None", "dict"])
def test_a_value_that_is_not_real_numbers_fails_naming_the_function_and_what_it_returned(value, description):
    with refused("compute_distances_no_loops", rf"{description}: {GRADED}$"):
        assert_close(value, np.zeros(2), what="compute_distances_no_loops")


def test_a_list_of_rows_of_unequal_lengths_fails_saying_so():
    with refused("compute_distances_no_loops", r"a list of 2 items \(list\) of unequal shapes, which is not an array"):
        assert_close([[1.0, 2.0], [3.0]], np.zeros((2, 2)), what="compute_distances_no_loops")


@pytest.mark.parametrize("dtype", ["complex128", "float16", "<U3"])
def test_arrays_of_complex_float16_or_strings_fail_naming_their_dtype_and_shape(dtype):
    value = np.zeros((2, 3), dtype=dtype)
    with refused("svm_loss_vectorized dW", rf"a {np.dtype(dtype).name} array of shape \(2, 3\): {GRADED}$"):
        assert_close(value, np.zeros((2, 3)), what="svm_loss_vectorized dW")


def test_a_complex_value_is_refused_not_stripped_of_its_imaginary_part():
    with pytest.raises(AssertionError, match="complex128 array"):
        rel_error(np.array([1 + 5j]), np.array([1.0]))


def test_labels_as_strings_fail_an_exact_comparison_naming_what_was_returned():
    with refused("predict_labels(k=3)", r"a str\d* array of shape \(3,\)"):
        assert_equal(np.array(["1", "2", "1"]), [1, 2, 1], what="predict_labels(k=3)")


def test_predictions_that_are_not_numbers_fail_the_accuracy_naming_what_they_are():
    with refused("the predictions", "None"):
        accuracy(None, np.zeros(3))


# -- NaN and infinity ------------------------------------------------------------------------------
def test_nan_entries_are_reported_as_nan_with_their_count():
    dists = np.zeros((5, 10))
    dists.flat[[3, 17, 42]] = np.nan
    with refused("compute_distances_no_loops", r"non-finite values: NaN at 3 of 50 entries$"):
        assert_close(dists, np.zeros((5, 10)), what="compute_distances_no_loops")


def test_infinite_entries_are_counted_beside_the_nan_ones():
    dists = np.zeros(50)
    dists[:2], dists[2:4] = np.inf, -np.inf
    dists[4] = np.nan
    with refused("compute_distances_one_loop", r"non-finite values: NaN at 1 and infinity at 4 of 50 entries$"):
        assert_finite(dists, what="compute_distances_one_loop")


def test_nan_labels_are_named_as_nan_not_as_differing_entries():
    with refused("predict_labels(k=1)", r"non-finite values: NaN at 3 of 3 entries"):
        assert_equal(np.full(3, np.nan), [0, 2, 0], what="predict_labels(k=1)")


# -- shapes ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "complex64", "<U5"])
def test_assert_shape_refuses_float16_complex_and_string_arrays_of_the_right_shape(dtype):
    with refused("compute_distances_two_loops", rf"a {np.dtype(dtype).name} array of shape \(4, 9\)"):
        assert_shape(np.zeros((4, 9), dtype=dtype), (4, 9), what="compute_distances_two_loops")


def test_assert_shape_takes_arrays_of_every_graded_dtype():
    for dtype in ("bool", "int64", "uint8", "float32", "float64"):
        assert_shape(np.zeros((4, 9), dtype=dtype), (4, 9))


# -- numeric gradients --------------------------------------------------------------------------------
def test_a_constant_loss_with_a_zero_gradient_fails_the_gradient_check():
    with pytest.raises(AssertionError, match=r"^svm_loss_naive dW \(reg=0\): the loss does not change when any of "
                                             r"the 6 entries of its input changes"):
        assert_gradient(np.zeros((2, 3)), lambda W: 1.0, np.ones((2, 3)), what="svm_loss_naive dW (reg=0)")


def test_a_loss_that_turns_nan_fails_the_gradient_check_naming_the_entry():
    def loss(W):
        return float("nan") if W[1, 2] > 1 else float(np.sum(W ** 2))

    with pytest.raises(AssertionError, match=r"^softmax dW: the loss returned NaN at entry \(1, 2\) \+ 1e-05$"):
        assert_gradient(2 * np.ones((2, 3)), loss, np.ones((2, 3)), what="softmax dW")


def test_a_loss_that_is_not_one_number_fails_the_gradient_check_saying_what_it_was():
    with refused("svm dW: the loss", r"a str '1\.0'"):
        assert_gradient(np.zeros(2), lambda W: "1.0", np.ones(2), what="svm dW")


def test_perturbed_inputs_are_evaluated_in_batches_of_at_most_batch_calls():
    sizes = []
    f = checks.Perturbed(lambda W: float(np.sum(W ** 2)),
                         many=lambda values: sizes.append(len(values)) or [float(np.sum(v ** 2)) for v in values])
    numeric = checks.numeric_gradient(f, np.ones((30, 10)))
    assert sizes == [checks.BATCH_CALLS, checks.BATCH_CALLS, 600 - 2 * checks.BATCH_CALLS]
    assert np.allclose(numeric, 2 * np.ones((30, 10)))


def test_a_batch_holds_at_most_batch_bytes_of_inputs():
    sizes = []
    f = checks.Perturbed(lambda W: 0.0, many=lambda values: sizes.append(len(values)) or [0.0] * len(values),
                         size=lambda _: checks.BATCH_BYTES // 3)
    checks.numeric_gradient(f, np.ones(4))
    assert sizes == [3, 3, 2]


def test_a_batched_loss_that_turns_nan_fails_naming_the_entry():
    def loss(W):
        return float("nan") if W[1, 2] < 1 else float(np.sum(W ** 2))

    f = checks.Perturbed(loss, many=lambda values: [loss(v) for v in values])
    with pytest.raises(AssertionError, match=r"^softmax dW: the loss returned NaN at entry \(1, 2\) - 1e-05$"):
        assert_gradient(2 * np.ones((2, 3)), f, np.ones((2, 3)), what="softmax dW")


AFFINE = """
import numpy as np

def affine_forward(x, w, b):
    return x @ w + b, (x, w)

def affine_backward(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)

def wrong_backward(dout, cache):
    dx, dw, db = affine_backward(dout, cache)
    return dx, dw * 1.01, db

def zero_forward(x, w, b):
    return np.zeros((x.shape[0], w.shape[1])), (x, w, b)

def zero_backward(dout, cache):
    return tuple(np.zeros_like(a) for a in cache)
"""


@pytest.fixture
def layer_student(tmp_path):
    (tmp_path / "layers.py").write_text(AFFINE)
    student = StudentProcess(str(tmp_path), timeout=60)
    yield student
    student.close()


def test_a_layer_gradient_check_sends_its_perturbed_calls_in_one_batch_per_gradient(layer_student, monkeypatch):
    rng = np.random.default_rng(0)
    args = [rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)]
    batches = []
    send = layer_student.batch
    monkeypatch.setattr(layer_student, "batch", lambda requests: batches.append(len(requests)) or send(requests))
    checks.assert_layer_gradients(layer_student, "layers.affine_forward", "layers.affine_backward", args,
                                  rng.normal(size=(4, 5)), {"dx": 0, "dw": 1, "db": 2}, tol=1e-8)
    assert batches == [2 * 12, 2 * 15, 2 * 5]


def test_a_batched_layer_gradient_check_still_catches_a_wrong_gradient(layer_student):
    rng = np.random.default_rng(0)
    args = [rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)]
    with pytest.raises(AssertionError, match=r"^affine_backward dw relative error 5\.0e-03 > 1e-08"):
        checks.assert_layer_gradients(layer_student, "layers.affine_forward", "layers.wrong_backward", args,
                                      rng.normal(size=(4, 5)), {"dx": 0, "dw": 1, "db": 2}, tol=1e-8)


class ConstantModel:
    """A model (as a student object) whose loss depends on none of its parameters."""

    def __init__(self):
        self.params = {"W1": np.ones((2, 2)), "b1": np.zeros(2)}

    def get(self, name):
        return getattr(self, name)

    def set(self, name, value):
        setattr(self, name, value)

    def loss(self, X, y):
        return 0.5, {name: np.zeros_like(value) for name, value in self.params.items()}


def test_a_model_whose_loss_ignores_every_parameter_fails_its_gradient_check():
    with pytest.raises(AssertionError, match=r"^FullyConnectedNet: the loss does not change when any parameter"):
        assert_model_gradients(ConstantModel(), np.zeros((2, 2)), np.zeros(2), what="FullyConnectedNet")


def test_a_model_gradient_check_names_a_loss_that_returns_no_gradients():
    model = ConstantModel()
    model.loss = lambda X, y: 0.5
    with pytest.raises(AssertionError, match=r"^net.loss\(X, y\) returned a float 0.5, expected \(loss, grads\)$"):
        assert_model_gradients(model, np.zeros((2, 2)), np.zeros(2), what="net")


LYING_SVM = '''
import numpy as np


class Loss(float):
    """A loss that crosses the boundary as "1.0", whatever it is."""

    def __repr__(self):
        return "1.0"


def svm_loss_naive(W, X, y, reg):
    scores = X @ W
    margins = np.maximum(0, scores - scores[np.arange(len(y)), y][:, None] + 1)
    margins[np.arange(len(y)), y] = 0
    return Loss(margins.sum() / len(y) + reg * np.sum(W * W)), np.zeros_like(W)
'''


def test_a_float_subclass_serialised_as_a_constant_earns_nothing_from_the_numeric_gradient_check(tmp_path):
    """The attack of issue 13: the loss crosses as "1.0" at every W and dW is 0, so the numeric
    gradient (0) agrees with dW (0); the check must see that the loss never moved."""
    (tmp_path / "lying").mkdir()
    (tmp_path / "lying" / "__init__.py").write_text("")
    (tmp_path / "lying" / "linear_svm.py").write_text(textwrap.dedent(LYING_SVM))
    rng = np.random.default_rng(3)
    W, X, y = rng.normal(size=(8, 4)) * 0.1, rng.normal(size=(20, 8)), rng.integers(0, 4, size=20)
    student = StudentProcess(str(tmp_path), timeout=60)
    try:
        loss, dW = student.call("lying.linear_svm.svm_loss_naive", W, X, y, 0.0)
        assert type(loss) is float and loss == 1.0
        with pytest.raises(AssertionError, match="the loss does not change"):
            assert_gradient(dW, lambda w: student.call("lying.linear_svm.svm_loss_naive", w, X, y, 0.0)[0], W,
                            tol=1e-6, what="svm_loss_naive dW (reg=0)")
    finally:
        student.close()



def test_a_layer_gradient_check_given_the_expected_output_fails_a_forward_that_computes_nothing(layer_student):
    rng = np.random.default_rng(0)
    args, dout = [rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)], rng.normal(size=(4, 5))
    names = {"dx": 0, "dw": 1, "db": 2}
    checks.assert_layer_gradients(layer_student, "layers.zero_forward", "layers.zero_backward", args, dout, names)
    with pytest.raises(AssertionError, match=r"^zero_forward out relative error 1\.0e\+00 > 1e-07"):
        checks.assert_layer_gradients(layer_student, "layers.zero_forward", "layers.zero_backward", args, dout,
                                      names, out=args[0] @ args[1] + args[2])


def test_a_layer_gradient_check_given_the_expected_output_passes_the_right_layer(layer_student):
    rng = np.random.default_rng(0)
    args = [rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)]
    checks.assert_layer_gradients(layer_student, "layers.affine_forward", "layers.affine_backward", args,
                                  rng.normal(size=(4, 5)), {"dx": 0, "dw": 1, "db": 2}, tol=1e-8,
                                  out=args[0] @ args[1] + args[2])


class LinearModel(ConstantModel):
    """A model whose loss is the sum of its parameters: a consistent gradient of the wrong loss."""

    def loss(self, X, y):
        return float(sum(np.sum(v) for v in self.params.values())), \
            {name: np.ones_like(value) for name, value in self.params.items()}


def test_a_model_gradient_check_given_the_expected_loss_fails_a_consistent_gradient_of_the_wrong_loss():
    assert_model_gradients(LinearModel(), np.zeros((2, 2)), np.zeros(2), what="net")  # consistent
    with pytest.raises(AssertionError, match=r"^net loss relative error .* > 1e-07"):
        assert_model_gradients(LinearModel(), np.zeros((2, 2)), np.zeros(2), what="net", loss=2.3)
