"""The function checks of assignments 2 and 3: the reference passes them all, and every planted bug
loses points on exactly the checks meant to catch it.

Only the checks that call the student's functions count here. The notebooks are not executed, so
the checks that measure a trained model fail with "not executed" and are left out of the
comparison; grading a whole submission end to end is tested with assignment 1.
"""
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from gradekit import check, course, examples

ASSIGNMENTS = ["assignment2", "assignment3"]
NOT_EXECUTED = "not executed: this run checks functions only"
MIN_MUTANTS = {"assignment2": 15, "assignment3": 10}


@pytest.fixture(scope="session", params=ASSIGNMENTS)
def assignment(request):
    return course.load(request.param)


@pytest.fixture(scope="session")
def manifests():
    return {name: check.manifest(course.load(name)) for name in ASSIGNMENTS}


def function_checks(manifests, name):
    """The ids of the checks that do not read a trained model."""
    return {t["id"] for t in manifests[name] if not t["reads_artifacts"]}


def run_function_checks(assignment, root, work, data_dir):
    """{test id: outcome} of the autograder on the package in `root`, notebooks not executed."""
    os.makedirs(work, exist_ok=True)
    execution = os.path.join(work, "execution.json")
    with open(execution, "w") as f:
        json.dump({name: {"status": "skipped", "message": NOT_EXECUTED} for name in assignment.notebooks}, f)
    results = check.check(assignment, root, os.path.join(work, "artifacts"), execution,
                          os.path.join(work, "checks.json"), data_dir, seed=2024, call_timeout=60)
    return {t["id"]: t for t in results["tests"]}


@pytest.fixture(scope="session")
def graded_mutants(data_dir, tmp_path_factory):
    """{(assignment, mutant): outcomes}, two mutants checked at a time."""
    work = tmp_path_factory.mktemp("function-mutants")
    jobs = []
    for name in ASSIGNMENTS:
        assignment = course.load(name)
        for mutant in examples.mutants(assignment).MUTANTS:
            root = str(work / name / mutant["name"])
            shutil.copytree(assignment.solutions, root, ignore=shutil.ignore_patterns("__pycache__"))
            examples.plant(mutant, root)
            jobs.append((assignment, mutant["name"], root))
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = pool.map(lambda job: run_function_checks(job[0], job[2], job[2] + "-checks", data_dir), jobs)
        return {(a.name, m): o for (a, m, _), o in zip(jobs, outcomes)}


def all_mutants():
    return [(name, m["name"]) for name in ASSIGNMENTS for m in examples.mutants(course.load(name)).MUTANTS]


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


def test_trained_model_checks_say_why_they_have_nothing_to_measure(assignment, manifests, data_dir, tmp_path):
    outcomes = run_function_checks(assignment, assignment.solutions, str(tmp_path), data_dir)
    model_checks = set(outcomes) - function_checks(manifests, assignment.name)
    assert model_checks
    for test_id in model_checks:
        assert outcomes[test_id]["status"] == "failed"
        assert NOT_EXECUTED in outcomes[test_id]["message"]


def test_the_catalogue_has_enough_mutants(assignment):
    assert len(examples.mutants(assignment).MUTANTS) >= MIN_MUTANTS[assignment.name]


@pytest.mark.parametrize("name, mutant", all_mutants())
def test_mutant_loses_points_exactly_on_its_checks(graded_mutants, manifests, name, mutant):
    planted = next(m for m in examples.mutants(course.load(name)).MUTANTS if m["name"] == mutant)
    outcomes = graded_mutants[(name, mutant)]
    failed = {i: outcomes[i]["message"] for i in function_checks(manifests, name) if outcomes[i]["status"] != "passed"}
    assert planted["fails"], f"{mutant} names no check that catches it"
    assert set(failed) == set(planted["fails"]), failed
