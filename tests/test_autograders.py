"""Every assignment's autograder: points as the course gives them, the reference passes every
function check, and the checks that measure a trained model say why when there is none.

"Function checks" call the student's functions; "model checks" read what an executed notebook
saved (`reads_artifacts` in the manifest). Here the notebooks are not executed.
"""
import pytest

from gradekit import course

from autograder_runs import ASSIGNMENTS, NOT_EXECUTED, function_checks, run_function_checks

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def assignment(request):
    return course.load(request.param)


def test_points_add_up_to_the_course_values(assignment, manifests):
    totals = {}
    for test in manifests[assignment.name]:
        totals[test["notebook"]] = totals.get(test["notebook"], 0) + test["points"]
    assert totals == {k: float(v) for k, v in assignment.points.items()}


def test_reference_passes_every_function_check(assignment, manifests, data_dir, tmp_path):
    outcomes = run_function_checks(assignment, assignment.solutions, str(tmp_path), data_dir)
    failed = {i: outcomes[i]["message"] for i in function_checks(manifests, assignment.name)
              if outcomes[i]["status"] != "passed"}
    assert not failed


def test_model_checks_say_why_they_have_nothing_to_measure_before_reading_any_data(assignment, manifests, tmp_path):
    """A model check of a notebook that saved nothing fails saying why, before it loads any dataset
    (the grader's held-out rows, features): an unexecuted or failed notebook costs its checks no
    time. Here the data folder is empty, so a check that read it would fail on the missing data."""
    empty = tmp_path / "no-data"
    empty.mkdir()
    outcomes = run_function_checks(assignment, assignment.solutions, str(tmp_path / "work"), str(empty))
    model_checks = set(outcomes) - function_checks(manifests, assignment.name)
    assert model_checks
    wrong = {test_id: outcomes[test_id]["message"] for test_id in model_checks
             if outcomes[test_id]["status"] != "failed" or NOT_EXECUTED not in outcomes[test_id]["message"]}
    assert wrong == {}


CORE_NAME = """
import ctypes, glob, os, numpy
library = glob.glob(os.path.join(os.path.dirname(numpy.__file__), "..", "numpy.libs", "libscipy_openblas*"))[0]
corename = ctypes.CDLL(library).scipy_openblas_get_corename64_
corename.restype = ctypes.c_char_p
print(corename().decode())
"""


def blas_core():
    """The OpenBLAS kernels numpy uses in a new process with this environment (e.g. SkylakeX)."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", CORE_NAME], capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.parametrize("threads", [1, pytest.param(2, marks=pytest.mark.serial)])
def test_reference_passes_every_public_check_with_other_blas_kernels_and_threads(assignment, manifests, data_dir,
                                                                                 tmp_path, monkeypatch, threads):
    """The expected values were stored on one CPU; students' CPUs pick other kernels (SSE, not AVX)."""
    import os

    other = "Sandybridge" if blas_core() == "Nehalem" else "Nehalem"
    monkeypatch.setenv("OPENBLAS_CORETYPE", other)
    assert blas_core() == other
    public = sorted(os.path.join(assignment.public_tests, name) for name in os.listdir(assignment.public_tests)
                    if name.startswith("test_") and name.endswith(".py"))
    outcomes = run_function_checks(assignment, assignment.solutions, str(tmp_path), data_dir, paths=public,
                                   threads=threads)
    failed = {i: o["message"] for i, o in outcomes.items()
              if i in function_checks(manifests, assignment.name) and o["status"] != "passed"}
    assert outcomes and not failed
