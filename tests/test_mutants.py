"""Every planted bug loses points on exactly the checks meant to catch it, and keeps the rest."""
import os
import shutil

import pytest

from gradekit import examples, grade, reference

CATALOGUE = None


def catalogue(assignment):
    return examples.mutants(assignment)


@pytest.fixture(scope="session")
def graded_mutants(assignment1, data_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("mutants")
    solved = reference.write(assignment1, str(work / "solved"))
    module = catalogue(assignment1)
    paths = []
    for mutant in module.MUTANTS:
        path = str(work / mutant["name"])
        shutil.copytree(solved, path)
        module.apply(mutant, path)
        paths.append(path)
    options = grade.Options(assignment1, str(work / "out"), data_dir, 300, 60, grading_seed=2024)
    results = grade.grade_all(paths, options, jobs=2, progress=False)
    return {r["student_id"]: r for r in results}


def mutant_names():
    from gradekit import course

    return [m["name"] for m in catalogue(course.load("assignment1")).MUTANTS]


def test_the_catalogue_has_at_least_twelve_mutants(assignment1):
    assert len(catalogue(assignment1).MUTANTS) >= 12


@pytest.mark.parametrize("name", mutant_names())
def test_mutant_loses_points_exactly_on_its_checks(graded_mutants, assignment1, name):
    mutant = next(m for m in catalogue(assignment1).MUTANTS if m["name"] == name)
    result = graded_mutants[name]
    failed = {t["id"]: t["message"] for t in result["tests"] if t["status"] != "passed"}
    assert set(failed) == set(mutant["fails"]), failed
    lost = sum(t["points"] for t in result["tests"] if t["id"] in failed)
    assert result["score"] == result["max_score"] - lost
