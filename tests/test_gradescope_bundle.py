"""`gradekit gradescope-bundle`: the autograder zip's contents, and its run_autograder run as written in
a temporary root standing in for /autograder (crashes and a missing sandbox still give results.json;
the reference scores full marks)."""
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest

from gradekit import course, disclosure
from gradekit.authoring import reference
from gradekit.pipeline import check
from gradekit.export import gradescope_bundle

from test_export_gradescope import schema_errors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def names(bundle):
    with zipfile.ZipFile(bundle) as z:
        return sorted(z.namelist())


def modes(bundle):
    with zipfile.ZipFile(bundle) as z:
        return {info.filename: (info.external_attr >> 16) & 0o777 for info in z.infolist()}


@pytest.fixture
def toy_repo(tmp_path):
    """A course with two assignments, tests, a venv, data and caches: only assignment `a`'s course
    files may go into its bundle."""
    repo = tmp_path / "repo"
    files = ["pyproject.toml", "README.md", "gradekit/__init__.py", "gradekit/export/gradescope.py",
             "gradekit/__pycache__/cli.cpython-311.pyc", "gradekit/cli.pyc", "autograder/a/assignment.toml",
             "autograder/a/hidden/test_x.py", "autograder/a/__pycache__/conftest.cpython-311.pyc",
             "autograder/b/assignment.toml", "solutions/a/cs231n/x.py", "solutions/a/.ipynb_checkpoints/x-checkpoint.py", "solutions/b/cs231n/x.py",
             "tests/test_x.py", ".venv/bin/python", "data/cifar-10-batches-py/data_batch_1",
             "release/a/x.ipynb", "source/a/x.ipynb"]
    for name in files:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("x")
    (repo / "pyproject.toml").write_text('[project]\ndependencies = ["numpy==2.4.6", "torch==9.9.9"]\n')
    (repo / "autograder" / "a" / "assignment.toml").write_text(
        'name = "a"\npackage = "cs231n"\nnotebooks = ["x"]\ndata = ["cifar10", "mnist"]\n[points]\nx = 1\n')
    return course.load("a", repo=str(repo))


def unpacked(bundle, root):
    """Put the bundle where Gradescope does: its files in ROOT/source (modes kept), run_autograder
    copied to ROOT/run_autograder."""
    with zipfile.ZipFile(bundle) as z:
        for info in z.infolist():
            path = z.extract(info, os.path.join(root, "source"))
            os.chmod(path, (info.external_attr >> 16) & 0o777)
    shutil.copy2(os.path.join(root, "source", "run_autograder"), os.path.join(root, "run_autograder"))
    return root


def run_autograder(root, data_dir, **env):
    """Run ROOT/run_autograder as Gradescope does (in ROOT), with this repository's Python; returns
    (the completed process, results.json)."""
    environment = {**os.environ, "GRADEKIT_AUTOGRADER_ROOT": str(root), "GRADEKIT_PYTHON": sys.executable,
                   "GRADEKIT_DATA_DIR": data_dir, **env}
    done = subprocess.run([os.path.join(root, "run_autograder")], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=3600)
    with open(os.path.join(root, "results", "results.json")) as f:
        return done, json.load(f)


@pytest.fixture
def root(tmp_path, assignment1):
    return unpacked(gradescope_bundle.write(assignment1, str(tmp_path / "autograder.zip")), str(tmp_path / "root"))


# --- (a) the zip ---------------------------------------------------------------------------------

@pytest.mark.unit
def test_the_bundle_holds_the_scripts_and_one_assignments_course_files_only(toy_repo, tmp_path):
    bundle = gradescope_bundle.write(toy_repo, str(tmp_path / "a.zip"))
    assert names(bundle) == ["autograder/a/assignment.toml", "autograder/a/hidden/test_x.py",
                             "gradekit/__init__.py", "gradekit/export/gradescope.py", "pyproject.toml",
                             "run_autograder", "setup.sh", "solutions/a/cs231n/x.py"]


@pytest.mark.unit
def test_the_scripts_are_executable_and_the_course_files_are_not(toy_repo, tmp_path):
    found = modes(gradescope_bundle.write(toy_repo, str(tmp_path / "a.zip")))
    assert {name: mode for name, mode in found.items() if mode & 0o111} == {"run_autograder": 0o755, "setup.sh": 0o755}
    assert set(found.values()) == {0o755, 0o644}


@pytest.mark.unit
def test_the_real_bundle_ships_every_tracked_course_file_of_the_assignment(assignment1, tmp_path):
    shipped = set(names(gradescope_bundle.write(assignment1, str(tmp_path / "a1.zip"))))
    tracked = subprocess.run(["git", "ls-files", "gradekit", "autograder/assignment1", "solutions/assignment1"],
                             cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert tracked and set(tracked) <= shipped
    assert {name.split("/")[0] for name in shipped} == {"setup.sh", "run_autograder", "pyproject.toml",
                                                        "gradekit", "autograder", "solutions"}
    assert {name.split("/")[1] for name in shipped if name.startswith(("autograder/", "solutions/"))} == {"assignment1"}


@pytest.mark.unit
def test_the_bundle_is_the_same_bytes_when_nothing_changed(toy_repo, tmp_path):
    first = gradescope_bundle.write(toy_repo, str(tmp_path / "1.zip"))
    for folder, _, files in os.walk(toy_repo.repo):
        for name in files:
            os.utime(os.path.join(folder, name), (1e9, 1e9))  # touched since
    second = gradescope_bundle.write(toy_repo, str(tmp_path / "2.zip"))
    assert open(first, "rb").read() == open(second, "rb").read()


@pytest.mark.unit
def test_setup_installs_the_pinned_torch_for_cpu_and_fetches_the_assignments_data(toy_repo):
    setup = gradescope_bundle.scripts_of(toy_repo, "", "", False)["setup.sh"]
    assert "pip install --quiet torch==9.9.9 --index-url https://download.pytorch.org/whl/cpu" in setup
    assert 'pip install --quiet -e "$SOURCE"' in setup
    assert "apt-get install -y -qq bubblewrap" in setup
    assert 'for name in cifar10 mnist; do\n    "$VENV/bin/python" -m gradekit data "$name" --dest "$DATA"' in setup


@pytest.mark.unit
def test_the_real_setup_pins_torch_as_pyproject_does(assignment1):
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
        torch = next(d for d in tomllib.load(f)["project"]["dependencies"] if d.startswith("torch=="))
    assert f"install --quiet {torch} --index-url" in gradescope_bundle.scripts_of(assignment1, "", "", False)["setup.sh"]


@pytest.mark.unit
@pytest.mark.parametrize("script", ["setup.sh", "run_autograder"])
def test_the_scripts_are_valid_bash(toy_repo, script):
    text = gradescope_bundle.scripts_of(toy_repo, "--cell-timeout 300", "--feedback hidden=none", True)[script]
    assert text.startswith("#!/usr/bin/env bash\n")
    done = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.unit
def test_the_bundle_options_are_written_into_run_autograder(toy_repo):
    default = gradescope_bundle.scripts_of(toy_repo, "", "", False)["run_autograder"]
    chosen = gradescope_bundle.scripts_of(toy_repo, "--cell-timeout 300", "--feedback hidden=none", True)["run_autograder"]
    assert "ALLOW_NO_SANDBOX=0\n" in default and "GRADE_OPTIONS=${GRADEKIT_GRADE_OPTIONS-''}\n" in default
    assert "ALLOW_NO_SANDBOX=1\n" in chosen
    assert "GRADE_OPTIONS=${GRADEKIT_GRADE_OPTIONS-'--cell-timeout 300'}\n" in chosen
    assert "EXPORT_OPTIONS=${GRADEKIT_EXPORT_OPTIONS-'--feedback hidden=none'}\n" in chosen


# --- run_autograder when grading cannot happen (no notebook executed) ----------------------------

@pytest.mark.integration
def test_a_missing_submission_still_gets_results_json_with_0_and_why(root, data_dir):
    done, results = run_autograder(root, data_dir)
    assert done.returncode == 0, done.stderr
    assert schema_errors(results) == []
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("Not graded: gradekit grade stopped before writing a result")
    assert results["output"].endswith(os.path.join(root, "submission"))  # gradekit grade's reason names it


@pytest.fixture
def no_bubblewrap(tmp_path):
    """A PATH holding every command of /usr/bin but bwrap, as in a container without bubblewrap."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in os.listdir("/usr/bin"):
        if name != "bwrap":
            os.symlink(os.path.join("/usr/bin", name), folder / name)
    return str(folder)


@pytest.mark.integration
def test_where_bubblewrap_cannot_sandbox_every_submission_gets_0_and_the_reason(root, data_dir, no_bubblewrap, assignment1):
    reference.write(assignment1, os.path.join(root, "submission"))
    done, results = run_autograder(root, data_dir, PATH=no_bubblewrap)
    assert schema_errors(results) == []
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("Not graded: student code cannot be sandboxed in this container "
                                        "(bubblewrap is not installed")
    assert "--allow-no-sandbox" in results["output"]


@pytest.mark.integration
def test_a_bundle_allowing_no_sandbox_grades_without_one_and_says_so(tmp_path, data_dir, no_bubblewrap, assignment1):
    bundle = gradescope_bundle.write(assignment1, str(tmp_path / "a1.zip"), allow_no_sandbox=True)
    root = unpacked(bundle, str(tmp_path / "root"))
    os.makedirs(os.path.join(root, "submission"))
    with open(os.path.join(root, "submission", "notes.txt"), "w") as f:  # fails at unpacking: nothing runs
        f.write("not an assignment")
    done, results = run_autograder(root, data_dir, PATH=no_bubblewrap)
    assert "grading WITHOUT a sandbox (bubblewrap is not installed" in done.stderr
    assert schema_errors(results) == [] and results["score"] == 0
    assert "Grading failed:" in results["output"] and "Graded without a sandbox." in results["output"]


@pytest.mark.integration
def test_a_python_that_cannot_run_still_gets_a_valid_results_json(root, data_dir):
    done, results = run_autograder(root, data_dir, GRADEKIT_PYTHON=os.path.join(root, "no-venv", "python"))
    assert schema_errors(results) == []
    assert results["score"] == 0 and "could not run" in results["output"]
    assert "cannot import gradekit" in done.stderr


# --- run_autograder grading the reference ---------------------------------------------------------

@pytest.mark.e2e
def test_run_autograder_grades_the_reference_to_full_marks(root, data_dir, execution_store, assignment1):
    # The store and data folder are the session's: whichever of this test and tests/test_grading.py's
    # batch runs first executes the reference's notebooks, the other reuses them.
    reference.write(course.load("assignment1"), os.path.join(root, "submission"))
    done, results = run_autograder(root, data_dir, GRADEKIT_GRADE_OPTIONS=f"--reuse-executions {execution_store}")
    assert done.returncode == 0, done.stderr
    assert schema_errors(results) == []
    assert results["score"] == assignment1.max_score == 100
    assert results["output"].startswith("assignment1: 100/100 points")
    every_check = [f"{t['notebook']}: {disclosure.title(t)}" for t in check.manifest(assignment1)]
    assert sorted(t["name"] for t in results["tests"]) == sorted(every_check)
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in results["tests"])
