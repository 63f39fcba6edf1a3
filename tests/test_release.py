"""The release is generated, committed and always in sync; it holds no solution."""
import filecmp
import json
import os

import nbformat
import pytest

from gradekit import course
from gradekit.authoring import regions, release
from gradekit.pipeline import check

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["assignment1", "assignment2", "assignment3"])
def assignment(request):
    return course.load(request.param)


def expected_files_stat(assignment):
    """{name: modification time} of the committed expected values."""
    committed = os.path.join(assignment.public_tests, "expected")
    return {name: os.stat(os.path.join(committed, name)).st_mtime_ns for name in os.listdir(committed)}


@pytest.fixture(scope="module")
def expected_before_the_build(assignment):
    return expected_files_stat(assignment)


@pytest.fixture(scope="module")
def fresh_release(assignment, expected_before_the_build, tmp_path_factory):
    """The release as `gradekit release` makes it now, built outside the checkout (which it leaves
    as it is: the expected values it computes land only in this copy)."""
    return release.build(assignment, str(tmp_path_factory.mktemp("release") / assignment.name))


def tree(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder)
                  for d, dirs, files in os.walk(folder) if "__pycache__" not in d for f in files
                  if not f.endswith(".pyc"))


def test_committed_release_has_the_same_files_as_a_fresh_one(assignment, fresh_release):
    assert tree(assignment.release) == tree(fresh_release)


def test_committed_release_is_byte_identical_to_a_fresh_one(assignment, fresh_release):
    _, mismatch, errors = filecmp.cmpfiles(assignment.release, fresh_release, tree(fresh_release),
                                           shallow=False)
    assert not mismatch and not errors, \
        f"release/ is out of date (run `gradekit release {assignment.name}`): {mismatch + errors}"


def test_expected_values_are_those_of_the_reference(assignment, fresh_release):
    committed = os.path.join(assignment.public_tests, "expected")
    computed = os.path.join(fresh_release, "autograder", "expected")
    assert sorted(os.listdir(committed)) == sorted(os.listdir(computed))
    for name in sorted(os.listdir(computed)):
        assert filecmp.cmp(os.path.join(committed, name), os.path.join(computed, name), shallow=False), \
            f"autograder/{assignment.name}/public/expected/{name} is stale (run `gradekit release {assignment.name}`)"


def test_a_release_built_elsewhere_leaves_the_checkout_unchanged(assignment, expected_before_the_build,
                                                                fresh_release):
    assert expected_files_stat(assignment) == expected_before_the_build


def solution_texts(assignment):
    """Lines of solution code (package regions and notebook solution parts) found nowhere else."""
    secret, provided = [], []
    package = os.path.join(assignment.solutions, assignment.package)
    for folder, _, files in os.walk(package):
        for name in (n for n in files if n.endswith(".py")):
            with open(os.path.join(folder, name)) as f:
                text = f.read()
            secret += regions.solution_lines(text, name)
            provided += regions.stub(text, name).splitlines()
    for notebook in assignment.notebooks:
        nb = nbformat.read(os.path.join(assignment.source, f"{notebook}.ipynb"), as_version=4)
        for cell in nb.cells:
            inside = False
            for line in cell.source.splitlines():
                if "### BEGIN SOLUTION" in line or "### END SOLUTION" in line:
                    inside = "BEGIN" in line
                elif inside and cell.cell_type == "code":
                    secret.append(line)
                else:
                    provided.append(line)
    provided = {line.strip() for line in provided}
    return {line.strip() for line in secret
            if len(line.strip()) > 25 and not line.strip().startswith("#") and line.strip() not in provided}


def test_no_solution_code_appears_in_the_release(assignment, fresh_release):
    secrets = solution_texts(assignment)
    assert len(secrets) > 20, "found too few solution lines: is the region scan broken?"
    leaks = []
    for path in tree(fresh_release):
        if path.startswith("gradekit" + os.sep) or path.endswith(".npz"):
            continue
        with open(os.path.join(fresh_release, path), errors="replace") as f:
            text = f.read()
        leaks += [f"{path}: {line}" for line in secrets if line in text]
    assert not leaks, "solution code in the release:\n" + "\n".join(leaks[:10])


def test_released_notebooks_have_no_outputs_and_stubbed_solution_cells(assignment, fresh_release):
    # A notebook whose exercises all live in the package (StyleTransfer: no inline questions, as
    # in the course) has no solution cells; the assignment as a whole must have some.
    found = 0
    for notebook in assignment.notebooks:
        nb = nbformat.read(os.path.join(fresh_release, f"{notebook}.ipynb"), as_version=4)
        solution_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        found += len(solution_cells)
        for cell in nb.cells:
            assert not cell.get("outputs"), f"{notebook}.ipynb keeps outputs"
        for cell in solution_cells:
            stub = "raise NotImplementedError()" if cell.cell_type == "code" else "YOUR ANSWER HERE"
            assert stub in cell.source, f"{notebook}.ipynb cell {cell.metadata['nbgrader']['grade_id']} not stubbed"
    assert found, f"no solution cells in the notebooks of {assignment.name}"


def test_released_package_stubs_raise_not_implemented(assignment, fresh_release):
    stubbed = []
    for path in tree(os.path.join(fresh_release, assignment.package)):
        if path.endswith(".py"):
            with open(os.path.join(fresh_release, assignment.package, path)) as f:
                text = f.read()
            assert "BEGIN SOLUTION" not in text, path
            if regions.START_MARK in text:
                assert "raise NotImplementedError('" in text, path
                stubbed.append(path)
    assert stubbed, "no stubbed module in the release"


def test_every_notebook_has_a_parameters_cell(assignment, fresh_release):
    for notebook in assignment.notebooks:
        nb = nbformat.read(os.path.join(fresh_release, f"{notebook}.ipynb"), as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{notebook}.ipynb needs exactly one cell tagged 'parameters'"
        for name in ("artifacts_dir", "seed", "grading"):
            assert name in tagged[0].source, f"{notebook}.ipynb parameters lack {name}"


def test_every_notebook_has_public_and_hidden_checks(assignment):
    tests = check.manifest(assignment)
    for notebook in assignment.notebooks:
        kinds = {t["id"].split("/")[0] for t in tests if t["notebook"] == notebook}
        assert kinds == {"public", "hidden"}, f"{notebook}: {kinds}"


def test_students_public_checks_run_in_the_release_folder(assignment, fresh_release, tmp_path):
    """`pytest autograder/` inside the untouched release: runs offline, fails with reasons."""
    import subprocess
    import sys

    results = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-m", "pytest", "autograder/", "-q",
                           f"--results-json={results}"], cwd=fresh_release, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    outcome = json.loads(results.read_text())["tests"]
    assert outcome and all(t["status"] != "passed" for t in outcome)
    assert any("NotImplementedError" in t["message"] for t in outcome)
    assert "gradekit: 0 /" in done.stdout



def as_a_student(args, release_folder):
    """Run `python ARGS` in the release folder as on a student's machine: the venv's packages but no
    gradekit installed (the checkout's editable install would otherwise answer for modules the
    release lacks)."""
    import subprocess
    import sys
    import sysconfig

    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
           "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    return subprocess.run([sys.executable, "-S", *args], cwd=release_folder, env=env, capture_output=True,
                          text=True, timeout=120)


IMPORT_EVERY_MODULE = """
import importlib, os, pkgutil, gradekit
assert os.path.dirname(os.path.dirname(gradekit.__file__)) == os.getcwd(), gradekit.__file__
for module in sorted(pkgutil.walk_packages(gradekit.__path__, "gradekit."), key=lambda m: m.name):
    if module.name != "gradekit.__main__":
        importlib.import_module(module.name)
        print(module.name)
"""


def test_the_release_ships_the_student_runtime_and_it_imports_nothing_it_lacks(fresh_release):
    done = as_a_student(["-c", IMPORT_EVERY_MODULE], fresh_release)
    assert done.returncode == 0, done.stderr[-2000:]
    shipped = set(done.stdout.split())
    assert {"gradekit.autograde.plugin", "gradekit.autograde.worker", "gradekit.submit", "gradekit.data"} <= shipped
    instructor = ("gradekit.cli", "gradekit.pipeline", "gradekit.authoring", "gradekit.export",
                  "gradekit.data.student_data")  # the grading, authoring and export wings, the grader's data copies
    assert not [name for name in shipped if name.startswith(instructor)]


def test_the_releases_command_offers_data_and_submit(fresh_release):
    done = as_a_student(["-m", "gradekit", "--help"], fresh_release)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage: python -m gradekit [-h] {data,submit} ...")
