"""Every planted bug loses points on exactly the checks meant to catch it, and keeps the rest.

The catalogues (autograder/<assignment>/mutants.py) list, per mutant, the checks that must fail.
Every mutant runs through the function checks (its notebooks not executed) of the test files that
can call into the module it changes (`autograder_runs.reaching_test_files`): the other checks call
no code the bug alters, and the reference passes them (test_autograders.py). A mutant whose list
names a model check (one that measures what a notebook trained and saved) is also graded in
full: its notebooks are executed (a changed file changes every notebook's execution key), and its
score must drop by exactly the points of its list.
"""
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from gradekit import course
from gradekit.authoring import examples, reference
from gradekit.pipeline import grade

from autograder_runs import ASSIGNMENTS, function_checks, reaching_test_files, run_function_checks

pytestmark = pytest.mark.e2e

MIN_MUTANTS = {"assignment1": 12, "assignment2": 15, "assignment3": 10}


def catalogue(name):
    return examples.mutants(course.load(name)).MUTANTS


def all_mutants():
    return [(name, m["name"]) for name in ASSIGNMENTS for m in catalogue(name)]


def mutant(name, mutant_name):
    return next(m for m in catalogue(name) if m["name"] == mutant_name)


def needs_execution(manifests, name, planted):
    return bool(set(planted["fails"]) - function_checks(manifests, name))


def planted_copy(source, planted, dest):
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__"))
    examples.plant(planted, dest)
    return dest


@pytest.fixture(scope="session")
def function_outcomes(data_dir, tmp_path_factory, request):
    """{(assignment, mutant): future of the outcomes of its function checks}, for the mutants
    whose test this session runs, two at a time from the start: each mutant's test waits for its
    own run (so --durations shows each mutant's time)."""
    work = tmp_path_factory.mktemp("function-mutants")
    wanted = [item.callspec.params for item in request.session.items
              if item.originalname == "test_mutant_fails_exactly_its_function_checks"]
    # The test files are chosen here, not in the threads: ast.parse in two threads at once can raise
    # "SystemError: AST constructor recursion depth mismatch" on Python 3.11.
    jobs = []
    for params in wanted:
        assignment, planted = course.load(params["name"]), mutant(params["name"], params["mutant_name"])
        root = planted_copy(assignment.solutions, planted, str(work / assignment.name / planted["name"]))
        jobs.append((assignment, planted["name"], root, reaching_test_files(assignment, planted["file"])))
    # Two at a time on two cores, one BLAS thread each: two OpenBLAS pools of two threads on two
    # busy cores make small matrix products about 5 times slower (the captioning overfit checks).
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {(a.name, m): pool.submit(run_function_checks, a, root, root + "-checks", data_dir, paths=paths,
                                        threads=1)
               for a, m, root, paths in jobs}
    yield futures
    pool.shutdown(cancel_futures=True)


@pytest.fixture(scope="session")
def graded_in_full(manifests, data_dir, tmp_path_factory, execution_store):
    """{(assignment, mutant): result} of full grading, for the mutants that need execution."""
    work = tmp_path_factory.mktemp("executed-mutants")
    results = {}
    for name in ASSIGNMENTS:
        assignment = course.load(name)
        chosen = [m for m in catalogue(name) if needs_execution(manifests, name, m)]
        if not chosen:
            continue
        solved = reference.write(assignment, str(work / name / "solved"))
        paths = [planted_copy(solved, m, str(work / name / m["name"])) for m in chosen]
        options = grade.Options(assignment, str(work / name / "out"), data_dir, 300, 60, grading_seed=2024,
                                reuse_dir=execution_store)
        for result in grade.grade_all(paths, options, jobs=2, progress=False):
            results[(name, result["student_id"])] = result
    return results


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_catalogue_has_enough_mutants(name):
    assert len(catalogue(name)) >= MIN_MUTANTS[name]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_mutant_plants_its_bug_in_the_reference(name, tmp_path):
    """The planted file is the reference's with the catalogue's text replaced, and differs from it
    (a mutant that deletes a line, `replace=""`, included)."""
    solutions = course.load(name).solutions
    for planted in catalogue(name):
        path = planted_copy(solutions, planted, str(tmp_path / planted["name"]))
        with open(os.path.join(solutions, planted["file"])) as f:
            original = f.read()
        with open(os.path.join(path, planted["file"])) as f:
            changed = f.read()
        start = original.index(planted["find"])
        assert changed != original, planted["name"]
        assert changed == original[:start] + planted["replace"] + original[start + len(planted["find"]):], \
            planted["name"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_mutant_names_checks_that_exist(name, manifests):
    ids = {t["id"] for t in manifests[name]}
    for planted in catalogue(name):
        assert planted["fails"] and set(planted["fails"]) <= ids, planted["name"]


def test_a_mutant_is_checked_by_every_test_file_that_can_reach_its_module():
    assignment = course.load("assignment1")
    files = {os.path.relpath(p, assignment.autograder) for p in
             reaching_test_files(assignment, "cs231n/classifiers/linear_svm.py")}
    # the SVM's own checks, and through LinearClassifier (which imports linear_svm) softmax's and features'
    assert files == {"public/test_svm.py", "hidden/test_svm.py", "hidden/test_softmax.py", "hidden/test_features.py"}


@pytest.mark.parametrize("name, mutant_name", all_mutants())
def test_mutant_fails_exactly_its_function_checks(function_outcomes, manifests, name, mutant_name):
    outcomes = function_outcomes[(name, mutant_name)].result()  # the checks that can reach the mutated module
    functions = function_checks(manifests, name)
    assert set(mutant(name, mutant_name)["fails"]) & functions <= set(outcomes), "a listed check was not run"
    failed = {i: outcomes[i]["message"] for i in functions & set(outcomes) if outcomes[i]["status"] != "passed"}
    assert set(failed) == set(mutant(name, mutant_name)["fails"]) & functions, failed


@pytest.mark.parametrize("name, mutant_name",
                         [pytest.param(n, m, id=f"{n}-{m}") for n, m in all_mutants()])
def test_mutant_graded_in_full_loses_exactly_the_points_of_its_checks(manifests, request, name, mutant_name):
    planted = mutant(name, mutant_name)
    if not needs_execution(manifests, name, planted):
        pytest.skip("caught by function checks only (see test_mutant_fails_exactly_its_function_checks)")
    result = request.getfixturevalue("graded_in_full")[(name, mutant_name)]
    failed = {t["id"]: t["message"] for t in result["tests"] if t["status"] != "passed"}
    assert set(failed) == set(planted["fails"]), failed
    lost = sum(t["points"] for t in result["tests"] if t["id"] in failed)
    assert result["score"] == result["max_score"] - lost
