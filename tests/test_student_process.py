"""Student code runs in a worker process; its failures come back as messages naming the code."""
import os
import textwrap

import numpy as np
import pytest

from gradekit.autograde.student import StudentError, StudentProcess

PACKAGE = '''
import os, time
import numpy as np

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


def test_a_result_that_is_not_plain_data_is_refused(student):
    with pytest.raises(StudentError, match="cannot be graded"):
        student.call("pkg.returns_object")


def test_objects_keep_their_state_between_method_calls(student):
    counter = student.new("pkg.Counter", 10)
    counter.add(5)
    assert counter.add(1) == 16 and counter.get("count") == 16


def test_objects_are_lost_when_the_worker_restarts(student):
    counter = student.new("pkg.Counter", 0)
    with pytest.raises(StudentError):
        student.call("pkg.crash")
    with pytest.raises(StudentError, match="was lost"):
        counter.add(1)


def test_a_missing_function_is_a_student_error(student):
    with pytest.raises(StudentError, match="AttributeError"):
        student.call("pkg.nothing_here")
