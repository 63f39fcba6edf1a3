"""`python -m gradekit submit`: the zip a student hands in, holding exactly what the grader grades.

Like the original course's `collectSubmission.sh`, it takes the student's folder (the release they
worked in) as it is: the notebooks, the package and any file of the student's own. It leaves out
what the grader never takes from a submission (`IGNORED`: the datasets, the artefacts the notebooks
saved, which the grader makes again by executing them, caches) and the files the release ships
that are not the student's work (`RELEASE_FILES`: the grader uses its own checks and runtime).
Grading the zip therefore grades what grading the folder grades.
"""
import fnmatch
import os
import zipfile

from gradekit.data import datasets

IGNORED = ("datasets", *datasets.FOLDERS.values(), "artifacts", "__pycache__", ".ipynb_checkpoints", ".git",
           "*.tar.gz", "*.pyc")
"""Names never taken from a submission, at any depth (links included, never looked into)."""

RELEASE_FILES = ("autograder", "gradekit", "README.md", "requirements.txt", "pytest.ini", ".github", ".gitignore",
                 ".venv", "venv", ".pytest_cache", "*.zip")
"""Top-level names of a release folder that are not the student's work (and previous zips)."""


class SubmitError(Exception):
    """The folder cannot be handed in (no notebook in it, or not readable)."""


def ignored(name):
    """Whether a file or folder called `name` is never part of a submission."""
    return matches(name, IGNORED)


def released(name):
    """Whether a file or folder called `name`, at the top of the folder, came with the release."""
    return matches(name, RELEASE_FILES)


def matches(name, patterns):
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def files(folder):
    """The paths (relative to `folder`, an absolute path; sorted) of the files a submission of
    `folder` holds; links are left out, since the grader refuses them."""
    found = []
    for top, dirs, names in os.walk(folder):
        at_top = top == folder  # os.walk gives the folder first, as it was given
        keep = [d for d in dirs if not ignored(d) and not (at_top and released(d))
                and not os.path.islink(os.path.join(top, d))]
        dirs[:] = sorted(keep)
        for name in sorted(names):
            path = os.path.join(top, name)
            if ignored(name) or (at_top and released(name)) or os.path.islink(path) or not os.path.isfile(path):
                continue
            found.append(os.path.relpath(path, folder))
    return sorted(found)


def write(folder, dest=None):
    """Write the zip of `folder` (default: `<folder>/<folder name>.zip`); returns (path, files)."""
    folder = os.path.abspath(folder)
    if not os.path.isdir(folder):
        raise SubmitError(f"{folder} is not a folder")
    dest = os.path.abspath(dest or os.path.join(folder, os.path.basename(folder) + ".zip"))
    chosen = files(folder)
    if not any(name.endswith(".ipynb") for name in chosen):
        raise SubmitError(f"{folder} holds no notebook (.ipynb): run `python -m gradekit submit` in the "
                          "assignment's folder")
    partial = dest + ".partial"
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in chosen:
            archive.write(os.path.join(folder, name), name.replace(os.sep, "/"))
    os.replace(partial, dest)
    return dest, chosen


def summary(dest, chosen):
    """One line saying what was written: `wrote assignment1.zip: 5 notebooks and 14 other files, 1.2 MB`."""
    notebooks = sum(name.endswith(".ipynb") for name in chosen)
    size = os.path.getsize(dest) / 1e6
    return (f"wrote {dest}: {notebooks} notebook{'s' * (notebooks != 1)} and {len(chosen) - notebooks} other "
            f"files, {size:.1f} MB (datasets and saved artefacts are left out: the grader executes the "
            "notebooks itself)")
