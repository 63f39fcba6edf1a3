"""`gradekit examples`: the reference, the untouched release and a partly wrong submission whose
bugs each assignment's assignment.toml names."""
import dataclasses
import filecmp
import os

import pytest

from gradekit import course
from gradekit.authoring import examples

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("name", ["assignment1", "assignment2", "assignment3"])
def test_the_partly_wrong_example_differs_from_the_reference_in_the_files_of_its_bugs(name, tmp_path):
    assignment = course.load(name)
    solved, _, wrong = examples.write(assignment, str(tmp_path))
    catalogue = {m["name"]: m for m in examples.mutants(assignment).MUTANTS}
    files = {catalogue[bug]["file"] for bug in assignment.partly_wrong}
    changed = {f for f in files if not filecmp.cmp(os.path.join(solved, f), os.path.join(wrong, f), shallow=False)}
    assert len(assignment.partly_wrong) >= 2 and changed == files


def test_a_partly_wrong_bug_missing_from_the_catalogue_is_refused_naming_the_toml(tmp_path):
    assignment = dataclasses.replace(course.load("assignment1"), partly_wrong=("knn_ties_to_larger_label", "no_such_bug"))
    with pytest.raises(ValueError, match=r"autograder/assignment1/assignment.toml: .* called no_such_bug"):
        examples.write(assignment, str(tmp_path))
