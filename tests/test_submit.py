"""`python -m gradekit submit` writes the zip a student hands in: what the grader grades, no more.

Unit tests build a release-like folder; the end-to-end test runs the command in a solved copy of
the release (whose gradekit/ is the student runtime only) and grades the zip and the folder."""
import os
import subprocess
import sys
import zipfile

import pytest

from gradekit import submit
from gradekit.authoring import reference
from gradekit.pipeline import grade, unpack

STUDENT_FILES = ["knn.ipynb", "svm.ipynb", "cs231n/__init__.py", "cs231n/classifiers/knn.py", "my_notes.md"]
NOT_HANDED_IN = ["autograder/test_knn.py", "autograder/expected/knn.npz", "gradekit/__init__.py", "README.md",
                 "requirements.txt", "pytest.ini", ".github/workflows/classroom.yml", ".gitignore",
                 "cs231n/datasets/cifar-10-batches-py/data_batch_1", "cs231n/datasets/get_datasets.sh",
                 "cs231n/datasets/mnist/train.npz",
                 "artifacts/svm.npz", ".ipynb_checkpoints/knn-checkpoint.ipynb",
                 "cs231n/__pycache__/x.cpython-311.pyc", "old.zip"]


def folder_with(root, names):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"contents of {name}\n")
    return root


@pytest.fixture
def worked_in(tmp_path):
    """A release folder a student worked in: their files, and what the release and their runs added."""
    return folder_with(tmp_path / "assignment1", STUDENT_FILES + NOT_HANDED_IN)


def zipped(path):
    with zipfile.ZipFile(path) as archive:
        return sorted(archive.namelist())


def run_submit(*args, cwd):
    return subprocess.run([sys.executable, "-m", "gradekit", "submit", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.unit
def test_the_zip_holds_the_students_files_and_nothing_the_release_data_or_runs_added(worked_in):
    dest, chosen = submit.write(str(worked_in))
    assert dest == str(worked_in / "assignment1.zip")
    assert zipped(dest) == sorted(STUDENT_FILES) == chosen


@pytest.mark.unit
def test_submitting_again_leaves_the_previous_zip_out(worked_in):
    submit.write(str(worked_in))
    assert "assignment1.zip" not in zipped(submit.write(str(worked_in))[0])


@pytest.mark.unit
def test_a_link_in_the_folder_is_left_out(worked_in):
    os.symlink("/etc/passwd", worked_in / "cs231n" / "passwords.py")
    assert "cs231n/passwords.py" not in zipped(submit.write(str(worked_in))[0])


@pytest.mark.unit
def test_the_grader_takes_from_the_zip_what_it_takes_from_the_folder_but_the_release_files(worked_in, tmp_path,
                                                                                            assignment1):
    dest, _ = submit.write(str(worked_in), str(tmp_path / "handed-in.zip"))
    from_folder = unpack.unpack(str(worked_in), str(tmp_path / "a"), assignment1)
    from_zip = unpack.unpack(dest, str(tmp_path / "b"), assignment1)

    def tree(root):
        return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files)
    assert tree(from_zip) == [name for name in tree(from_folder) if not submit.released(name.split(os.sep)[0])]


@pytest.mark.integration
def test_a_folder_without_notebooks_is_refused_in_one_line(tmp_path):
    folder = folder_with(tmp_path / "empty", ["cs231n/__init__.py"])
    done = run_submit(str(folder), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == f"gradekit submit: {folder} holds no notebook (.ipynb): run `python -m gradekit submit` " \
                          "in the assignment's folder\n"
    assert not (folder / "empty.zip").exists()


@pytest.mark.e2e
def test_the_zip_is_graded_as_the_folder_it_was_made_from(assignment1, data_dir, tmp_path, execution_store):
    solved = reference.write(assignment1, str(tmp_path / "assignment1-alice"))
    done = run_submit(cwd=solved)  # the release's own gradekit/: the student runtime only
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {solved}/assignment1-alice.zip: 5 notebooks and ")
    handed_in = str(tmp_path / "alice.zip")
    os.rename(os.path.join(solved, "assignment1-alice.zip"), handed_in)
    options = grade.Options(assignment1, str(tmp_path / "out"), data_dir, cell_timeout=300, call_timeout=30,
                            grading_seed=5, notebooks=("knn",), reuse_dir=execution_store)
    by_folder, by_zip = grade.grade_all([solved, handed_in], options, jobs=2, progress=False)
    knn = [result["notebooks"]["knn"] for result in (by_folder, by_zip)]
    assert knn[0]["score"] == knn[1]["score"] == knn[0]["max_score"] > 0
    assert [(t["id"], t["earned"]) for t in by_zip["tests"]] == [(t["id"], t["earned"]) for t in by_folder["tests"]]
