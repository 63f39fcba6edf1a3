"""`gradekit reference`: the reference solution in the exact shape of a student's submission.

It is the release folder as a student who solved everything would hand it in: the package with
the solution code between the START/END comments, and the notebooks with their solution cells
filled (nbgrader's markers removed) and no outputs. Grading it checks the autograder itself.
"""
import os
import shutil

import nbformat

from gradekit.authoring import regions
from gradekit.authoring.release import write_package


def write(assignment, dest):
    """Write the reference submission into `dest` (replaced if it exists); returns `dest`."""
    if not os.path.isdir(assignment.release):
        raise SystemExit(f"{assignment.release} is missing: run `gradekit release {assignment.name}`")
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(assignment.release, dest)
    shutil.rmtree(os.path.join(dest, assignment.package))
    write_package(assignment, dest, regions.reveal)
    for name in assignment.notebooks:
        released = nbformat.read(os.path.join(dest, f"{name}.ipynb"), as_version=4)
        source = nbformat.read(os.path.join(assignment.source, f"{name}.ipynb"), as_version=4)
        nbformat.write(solved(released, source), os.path.join(dest, f"{name}.ipynb"))
    return dest


def solved(released, source):
    """The released notebook with each solution cell's source taken from the source notebook."""
    by_id = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in source.cells}
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in by_id:
            cell.source = strip_markers(by_id[grade_id].source)
    return released


def strip_markers(text):
    return "\n".join(line for line in text.splitlines()
                     if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
