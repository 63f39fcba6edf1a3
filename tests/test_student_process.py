"""Student code runs in a worker process; its failures come back as messages naming the code."""
import os
import re
import resource
import textwrap
import time

import numpy as np
import pytest

from gradekit.autograde.student import StudentError, StudentProcess

pytestmark = pytest.mark.unit

PACKAGE = '''
import io, json, os, struct, sys, time
import numpy as np
from gradekit.autograde import wire

def double(x, factor=2):
    print("student output that must not disturb the protocol")
    os.write(1, b"even raw writes to fd 1")
    return x * factor

def unfinished():
    raise NotImplementedError("double: implement me")

def forever():
    while True:
        time.sleep(0.1)

def crash():
    os._exit(7)

def returns_object():
    return object()

def where():
    return os.getpid()

def address_space():
    import resource
    return list(resource.getrlimit(resource.RLIMIT_AS))

def is_rnn(cell_type):
    return cell_type is 'rnn'  # the 2017 starter's captioning code compares strings so

def total_2017_style(n):
    from past.builtins import xrange  # the original starter's neural_net.py does (package `future`)
    return sum(i for i in xrange(n))

def zeros(dtype):
    return np.zeros(3, dtype=dtype)

def _answers():
    """The worker's answer stream, found as hostile code can: a local of the worker's loop."""
    frame = sys._getframe()
    while "answers" not in frame.f_locals:
        frame = frame.f_back
    return frame.f_locals["answers"]

def _send(data, then_exit_after=None):
    answers = _answers()
    answers.write(data)
    answers.flush()
    if then_exit_after is not None:
        time.sleep(then_exit_after)
        os._exit(3)

def stop_halfway():
    _send(struct.pack(">Q", 100), then_exit_after=10)

def announce_6_gib():
    header = json.dumps({"ok": True, "value": None}).encode()
    _send(struct.pack(">Q", len(header)) + header + struct.pack(">Q", 6 << 30), then_exit_after=10)

def stop_reading():
    """Answers None at once, then reads nothing for 10 s."""
    wire.write_message(_answers(), {"ok": True, "value": None})
    time.sleep(10)

def lie_object():
    """An answer holding a pickled object array (the worker itself refuses to send one)."""
    header = json.dumps({"ok": True, "value": {"$array": "a0"}}).encode()
    blob = io.BytesIO()
    np.savez(blob, a0=np.array([{"k": 1}], dtype=object))
    blob = blob.getvalue()
    _send(struct.pack(">Q", len(header)) + header + struct.pack(">Q", len(blob)) + blob)

def slow(seconds, value):
    time.sleep(seconds)
    return value

class Counter:
    def __init__(self, start):
        self.count = start
    def add(self, n):
        self.count += n
        return self.count
'''


@pytest.fixture
def student(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(PACKAGE))
    process = StudentProcess(str(tmp_path), timeout=3)
    yield process
    process.close()


def test_a_call_returns_the_students_result(student):
    assert np.array_equal(student.call("pkg.double", np.arange(3), factor=3), [0, 3, 6])


def test_student_code_runs_in_another_process(student):
    assert student.call("pkg.where") != os.getpid()


def test_an_exception_names_the_function_file_and_line(student):
    with pytest.raises(StudentError, match=r"unfinished raised NotImplementedError: double: implement me "
                                           r"\(at pkg/__init__.py:\d+ in unfinished\)"):
        student.call("pkg.unfinished")


def test_a_call_that_hangs_is_stopped_at_the_time_limit(student):
    with pytest.raises(StudentError, match="forever did not return within 1 s"):
        student.call("pkg.forever", timeout=1)


def test_a_call_that_kills_the_worker_is_reported_and_the_next_call_works(student):
    with pytest.raises(StudentError, match="exit code 7"):
        student.call("pkg.crash")
    assert student.call("pkg.double", 2) == 4


def test_the_worker_runs_under_its_memory_limit(student):
    assert student.call("pkg.address_space")[0] == student.memory_limit_mb * 1024 * 1024


LOWER_HARD_LIMIT = """
import resource, sys
from gradekit.autograde.student import StudentProcess
hard = 5 << 30
resource.setrlimit(resource.RLIMIT_AS, (hard, hard))  # a shared server's `ulimit -v`, below the worker's 6 GiB
process = StudentProcess(sys.argv[1], timeout=20, memory_limit_mb=6144)
print(process.call("pkg.double", 21), process.call("pkg.address_space"))
process.close()
"""


def test_a_lower_hard_memory_limit_caps_the_worker_instead_of_failing_it(student, tmp_path):
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", LOWER_HARD_LIMIT, student.root], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stdout.split() == ["42", "[5368709120,", "5368709120]"]


def test_a_platform_refusing_the_memory_limit_still_runs_the_students_code(student, monkeypatch):
    """As macOS does (setrlimit(RLIMIT_AS) is refused there); the refusal is patched in, as this
    machine accepts the limit. The forked worker inherits the patch before it execs."""
    def refuse(which, limits):
        raise ValueError("current limit exceeds maximum limit")

    monkeypatch.setattr(resource, "setrlimit", refuse)
    assert student.call("pkg.double", 21) == 42
    assert student.call("pkg.address_space")[0] == resource.RLIM_INFINITY
    assert "memory limit of 6144 MiB was not applied (ValueError: current limit exceeds maximum limit)" in \
        " ".join(student.log.last_lines(5))


def test_a_string_argument_is_the_same_object_as_the_students_literal(student):
    assert student.call("pkg.is_rnn", "rnn") is True
    assert student.call("pkg.is_rnn", "lstm") is False


def test_the_original_starters_past_builtins_import_is_available_to_student_code(student):
    assert student.call("pkg.total_2017_style", 4) == 6


def test_a_result_that_is_not_plain_data_is_refused(student):
    with pytest.raises(StudentError, match="cannot be graded"):
        student.call("pkg.returns_object")


def test_objects_keep_their_state_between_method_calls(student):
    counter = student.new("pkg.Counter", 10)
    counter.add(5)
    assert counter.add(1) == 16 and counter.get("count") == 16


def test_a_batch_returns_each_calls_value_in_order(student):
    requests = [student.request_call("pkg.double", np.arange(3), factor=k) for k in range(4)]
    assert [list(v) for v in student.batch(requests)] == [[0, k, 2 * k] for k in range(4)]


def test_each_call_of_a_batch_has_the_whole_time_limit(student):
    """Three calls of 0.7 s each in one batch (2.1 s), under a 1.5 s limit: each is within its own limit."""
    assert student.batch([student.request_call("pkg.slow", 0.7, k) for k in range(3)], timeout=1.5) == [0, 1, 2]


def test_a_call_of_a_batch_that_hangs_is_stopped_at_its_own_limit_naming_it(student):
    requests = [student.request_call("pkg.double", 1), student.request_call("pkg.forever")]
    started = time.monotonic()
    with pytest.raises(StudentError, match="forever did not return within 1 s"):
        student.batch(requests, timeout=1)
    assert time.monotonic() - started < 5
    assert student.call("pkg.double", 2) == 4


def test_an_error_ends_a_batch_and_the_next_request_gets_its_own_answer(student):
    requests = [student.request_call("pkg.double", 1), student.request_call("pkg.unfinished"),
                student.request_call("pkg.double", 3)]
    with pytest.raises(StudentError, match="unfinished raised NotImplementedError"):
        student.batch(requests)
    assert student.call("pkg.double", 5) == 10


def test_a_batch_sets_and_calls_a_kept_object_in_order(student):
    counter = student.new("pkg.Counter", 0)
    requests = [counter.request_set("count", 10), counter.request_method("add", 1),
                counter.request_set("count", 20), counter.request_method("add", 2)]
    assert student.batch(requests) == [None, 11, None, 22]


def test_objects_are_lost_when_the_worker_restarts(student):
    counter = student.new("pkg.Counter", 0)
    with pytest.raises(StudentError):
        student.call("pkg.crash")
    with pytest.raises(StudentError, match="was lost"):
        counter.add(1)


def test_a_missing_function_is_a_student_error(student):
    with pytest.raises(StudentError, match="AttributeError"):
        student.call("pkg.nothing_here")


def test_an_answer_that_stops_halfway_times_out_at_the_call_limit(student):
    start = time.monotonic()
    with pytest.raises(StudentError, match=r"stop_halfway did not return within 1 s \(time limit\)"):
        student.call("pkg.stop_halfway", timeout=1)
    assert time.monotonic() - start < 1 + 2


def test_a_worker_that_stops_reading_its_input_times_out_at_the_call_limit(student):
    assert student.call("pkg.stop_reading") is None  # the worker now sleeps instead of reading
    start = time.monotonic()
    with pytest.raises(StudentError, match=r"double stopped reading its input: its arguments were not read "
                                           r"within 1 s \(time limit\)"):
        student.call("pkg.double", np.zeros(50_000_000 // 8), timeout=1)
    assert time.monotonic() - start < 1 + 2
    assert student.call("pkg.double", 2) == 4  # a new worker


def test_an_answer_announcing_6_gib_is_refused_before_it_is_read(student):
    start, peak = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(StudentError, match=r"announce_6_gib sent an answer the grader does not read: "
                                           r"a message of 6 GiB was announced; the limit is 512 MiB"):
        student.call("pkg.announce_6_gib")
    assert time.monotonic() - start < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 100 * 1024  # KiB: the grader did not grow


@pytest.mark.parametrize("dtype", ["complex128", "float16", "<U3", "S3", "datetime64[s]", "V8"])
def test_an_answer_that_is_not_real_numbers_is_refused_naming_the_function(student, dtype):
    with pytest.raises(StudentError, match=rf"^zeros returned a {re.escape(np.dtype(dtype).name)} array; "
                                           r"only real float/integer arrays are graded$"):
        student.call("pkg.zeros", dtype)


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int64", "float32", "float64"])
def test_boolean_integer_float32_and_float64_answers_are_accepted(student, dtype):
    assert student.call("pkg.zeros", dtype).dtype == dtype


def test_an_object_array_a_lying_worker_sends_is_refused_without_unpickling(student):
    with pytest.raises(StudentError, match=r"lie_object sent an answer the grader does not read: "
                                           r"array 'a0' is an array of Python objects"):
        student.call("pkg.lie_object")


TORCH_PACKAGE = '''
import torch
from torch import nn

def tiny(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 2), nn.Tanh())

def twice(x):
    return 2 * x

def noise(n):
    return torch.rand(n)

def square_sum(x):
    return (x ** 2).sum()

def detached_square_sum(x):
    return torch.tensor(float((x ** 2).sum()))

class _WrongSquare(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x ** 2).sum()

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x  # should be 2 * x

def wrong_square_sum(x):
    return _WrongSquare.apply(x)
'''
OPS = "gradekit.autograde.torch_ops."


@pytest.fixture(scope="module")
def torch_student(tmp_path_factory):
    root = tmp_path_factory.mktemp("torch-student")
    package = root / "tpkg"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(TORCH_PACKAGE))
    process = StudentProcess(str(root), timeout=60)  # one worker: importing torch takes seconds
    yield process
    process.close()


def test_tensors_cross_to_the_worker_and_back_with_their_dtype(torch_student):
    import torch

    out = torch_student.call("tpkg.twice", torch.arange(3, dtype=torch.float64))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64 and out.tolist() == [0, 2, 4]


def test_a_module_kept_in_the_worker_can_be_called_there(torch_student):
    import torch

    model = torch_student.call("tpkg.tiny", keep=True)
    out = model(torch.ones(4, 3))
    assert isinstance(out, torch.Tensor) and out.shape == (4, 2) and out.requires_grad
    assert "tiny" in repr(model)


def test_a_module_is_refused_unless_it_is_kept(torch_student):
    with pytest.raises(StudentError, match="cannot be graded"):
        torch_student.call("tpkg.tiny")


def test_a_method_returning_its_own_module_gives_back_the_same_proxy(torch_student):
    model = torch_student.call("tpkg.tiny", keep=True)
    assert model.double() is model
    assert torch_student.call(OPS + "state_dict", model)["0.weight"].dtype == np.float64


def test_torch_ops_read_and_load_a_kept_modules_state(torch_student):
    import torch

    model, other = torch_student.call("tpkg.tiny", keep=True), torch_student.call("tpkg.tiny", 1, keep=True)
    assert torch_student.call(OPS + "count_params", model) == 3 * 2 + 2
    assert torch_student.call(OPS + "shapes", model) == [("0.weight", (2, 3)), ("0.bias", (2,))]
    state = torch_student.call(OPS + "state_dict", model)
    assert isinstance(state["0.weight"], np.ndarray) and state["0.weight"].dtype == np.float32
    x = np.random.default_rng(0).normal(size=(5, 3))
    assert not torch.equal(torch_student.call(OPS + "forward", model, x), torch_student.call(OPS + "forward", other, x))
    torch_student.call(OPS + "load_state", other, {"a": state["0.weight"], "b": state["0.bias"]}, by_order=True)
    assert torch.equal(torch_student.call(OPS + "forward", model, x), torch_student.call(OPS + "forward", other, x))


def test_loading_a_state_of_the_wrong_shape_names_the_tensor(torch_student):
    model = torch_student.call("tpkg.tiny", keep=True)
    with pytest.raises(StudentError, match=r"0.weight has shape \(2, 3\), expected \(3, 3\)"):
        torch_student.call(OPS + "load_state", model, {"0.weight": np.zeros((3, 3)), "0.bias": np.zeros(2)})


def test_a_seed_seeds_torch_in_the_worker(torch_student):
    import torch

    first, second = (torch_student.call("tpkg.noise", 4, seed=3) for _ in range(2))
    assert torch.equal(first, second)
    assert not torch.equal(first, torch_student.call("tpkg.noise", 4, seed=4))


def test_gradcheck_is_decided_on_the_grading_side_from_the_workers_raw_values(torch_student):
    from gradekit.autograde import torch_ops

    x = np.random.default_rng(0).normal(size=(3, 2))
    assert torch_ops.gradcheck(torch_student, "tpkg.square_sum", x) == {"passed": True, "message": ""}
    wrong = torch_ops.gradcheck(torch_student, "tpkg.wrong_square_sum", x)
    assert not wrong["passed"] and "Jacobian mismatch" in wrong["message"]
    detached = torch_ops.gradcheck(torch_student, "tpkg.detached_square_sum", x)
    assert not detached["passed"] and "no gradient flows" in detached["message"]


def test_a_float16_or_complex_tensor_answer_is_refused_naming_the_function(torch_student):
    import torch

    for dtype, name in ((torch.float16, "float16"), (torch.complex64, "complex64")):
        with pytest.raises(StudentError, match=rf"^twice returned a {name} array; only real float/integer"):
            torch_student.call("tpkg.twice", torch.ones(2, dtype=dtype))


def test_an_error_in_a_helper_given_a_kept_object_names_that_object(torch_student):
    model = torch_student.call("tpkg.tiny", keep=True)
    with pytest.raises(StudentError, match=r"^forward of tiny raised RuntimeError: .*mat1 and mat2"):
        torch_student.call(OPS + "forward", model, np.zeros((2, 5)))
