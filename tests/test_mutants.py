"""Every planted bug loses points on exactly the checks meant to catch it, and keeps the rest.

Each mutant is graded in full, all checks run; a notebook is executed again only when a module it
imports carries the mutant's bug (the session's reuse store holds the reference's executions).
"""
import os
import shutil

import pytest

from gradekit import examples, grade, reference

def catalogue(assignment):
    return examples.mutants(assignment)


@pytest.fixture(scope="session")
def graded_mutants(assignment1, data_dir, tmp_path_factory, execution_store):
    work = tmp_path_factory.mktemp("mutants")
    solved = reference.write(assignment1, str(work / "solved"))
    module = catalogue(assignment1)
    paths = []
    for mutant in module.MUTANTS:
        path = str(work / mutant["name"])
        shutil.copytree(solved, path)
        examples.plant(mutant, path)
        paths.append(path)
    options = grade.Options(assignment1, str(work / "out"), data_dir, 300, 60, grading_seed=2024,
                            reuse_dir=execution_store)
    grade.grade_all([solved], options, progress=False)  # the unaffected notebooks' executions
    results = grade.grade_all(paths, options, jobs=2, progress=False)
    return {r["student_id"]: r for r in results}


def mutant_names():
    from gradekit import course

    return [m["name"] for m in catalogue(course.load("assignment1")).MUTANTS]


def test_the_catalogue_has_at_least_twelve_mutants(assignment1):
    assert len(catalogue(assignment1).MUTANTS) >= 12


def test_every_mutant_plants_its_bug_in_the_reference_submission(assignment1, tmp_path):
    solved = reference.write(assignment1, str(tmp_path / "solved"))
    for mutant in catalogue(assignment1).MUTANTS:
        path = str(tmp_path / mutant["name"])
        shutil.copytree(solved, path)
        examples.plant(mutant, path)
        with open(os.path.join(path, mutant["file"])) as f:
            assert mutant["replace"] in f.read()


def test_every_mutant_names_checks_that_exist(assignment1):
    from gradekit import check

    ids = {t["id"] for t in check.manifest(assignment1)}
    for mutant in catalogue(assignment1).MUTANTS:
        assert mutant["fails"] and set(mutant["fails"]) <= ids, mutant["name"]


@pytest.mark.parametrize("name", mutant_names())
def test_mutant_loses_points_exactly_on_its_checks(graded_mutants, assignment1, name):
    mutant = next(m for m in catalogue(assignment1).MUTANTS if m["name"] == name)
    result = graded_mutants[name]
    failed = {t["id"]: t["message"] for t in result["tests"] if t["status"] != "passed"}
    assert set(failed) == set(mutant["fails"]), failed
    lost = sum(t["points"] for t in result["tests"] if t["id"] in failed)
    assert result["score"] == result["max_score"] - lost
