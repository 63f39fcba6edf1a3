"""`gradekit examples`: three example submissions to try the grader on.

- `reference`: the reference solution as a student would hand it in (full marks expected);
- `untouched_release`: the release as students receive it (zero expected);
- `partly_wrong`: the reference with a few realistic bugs from the assignment's mutant catalogue.
"""
import importlib.util
import os
import shutil

from gradekit import reference

PARTLY_WRONG = ("knn_ties_to_larger_label", "net_biases_regularized", "softmax_vectorized_without_max_shift")


def mutants(assignment):
    """The assignment's catalogue of planted bugs (autograder/<assignment>/mutants.py)."""
    path = os.path.join(assignment.autograder, "mutants.py")
    spec = importlib.util.spec_from_file_location(f"mutants_{assignment.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(assignment, dest):
    """Write the three example submissions into `dest`; returns their paths."""
    os.makedirs(dest, exist_ok=True)
    solved = reference.write(assignment, os.path.join(dest, "reference"))
    untouched = os.path.join(dest, "untouched_release")
    shutil.rmtree(untouched, ignore_errors=True)
    shutil.copytree(assignment.release, untouched)
    wrong = os.path.join(dest, "partly_wrong")
    shutil.rmtree(wrong, ignore_errors=True)
    shutil.copytree(solved, wrong)
    catalogue = mutants(assignment)
    for mutant in catalogue.MUTANTS:
        if mutant["name"] in PARTLY_WRONG:
            catalogue.apply(mutant, wrong)
    return [solved, untouched, wrong]
