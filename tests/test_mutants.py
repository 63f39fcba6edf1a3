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

from gradekit import course, examples, grade, reference

from autograder_runs import ASSIGNMENTS, function_checks, reaching_test_files, run_function_checks

MIN_MUTANTS = {"assignment1": 12, "assignment2": 15, "assignment3": 10}
# While working on some mutants: GRADEKIT_MUTANTS=torch_,saliency plants only the mutants whose
# names contain one of these (select their tests with -k too). Unset in CI: all of them.
SELECTED = [part for part in os.environ.get("GRADEKIT_MUTANTS", "").split(",") if part]


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
def function_outcomes(data_dir, tmp_path_factory):
    """{(assignment, mutant): outcomes of the function checks}, two mutants at a time."""
    work = tmp_path_factory.mktemp("function-mutants")
    # The test files are chosen here, not in the threads: ast.parse in two threads at once can raise
    # "SystemError: AST constructor recursion depth mismatch" on Python 3.11.
    jobs = [(course.load(name), m["name"], planted_copy(course.load(name).solutions, m, str(work / name / m["name"])),
             reaching_test_files(course.load(name), m["file"]))
            for name in ASSIGNMENTS for m in catalogue(name)
            if not SELECTED or any(part in m["name"] for part in SELECTED)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = pool.map(lambda job: run_function_checks(job[0], job[2], job[2] + "-checks", data_dir,
                                                            paths=job[3]), jobs)
        return {(a.name, m): o for (a, m, _, _), o in zip(jobs, outcomes)}


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
    for planted in catalogue(name):
        path = planted_copy(course.load(name).solutions, planted, str(tmp_path / planted["name"]))
        with open(os.path.join(path, planted["file"])) as f:
            assert planted["replace"] in f.read()


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
    outcomes = function_outcomes[(name, mutant_name)]  # the checks that can reach the mutated module
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
