"""The GitHub Classroom workflow of a release: one grader step per notebook worth its public points,
a reporter reading every step, commands that run as written, and requirements pinned as tested."""
import importlib.metadata
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import yaml
from packaging.requirements import Requirement

from gradekit import course
from gradekit.authoring import classroom, regions, release
from gradekit.data import datasets

ASSIGNMENTS = ("assignment1", "assignment2", "assignment3")


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def assignment(request):
    return course.load(request.param)


@pytest.fixture(scope="module")
def text(assignment):
    return classroom.workflow(assignment)


@pytest.fixture(scope="module")
def steps(text):
    return yaml.safe_load(text)["jobs"]["run-autograding-tests"]["steps"]


def graders(steps):
    return [step for step in steps if step.get("uses") == classroom.COMMAND_GRADER]


@pytest.fixture(scope="module")
def public(assignment, manifests):
    """The assignment's public checks (id, notebook, points), from the autograder's collection."""
    return [test for test in manifests[assignment.name] if test["id"].startswith("public/")]


def points_per_notebook(tests):
    points = {}
    for test in tests:
        points[test["notebook"]] = points.get(test["notebook"], 0.0) + test["points"]
    return points


@pytest.mark.unit
def test_the_workflow_runs_on_push_with_the_permissions_classroom_needs(text):
    workflow = yaml.safe_load(text)
    assert workflow["on"] == ["push", "workflow_dispatch"]
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    uses = [step.get("uses") for step in workflow["jobs"]["run-autograding-tests"]["steps"]]
    assert uses[:2] == ["actions/checkout@v4", "actions/setup-python@v5"]


@pytest.mark.unit
def test_the_workflow_says_it_runs_only_the_public_checks_and_the_grade_comes_from_gradekit_grade(text):
    header = " ".join(line for line in text.splitlines() if line.startswith("#"))
    assert "only the public checks" in header and "`gradekit grade`" in header


@pytest.mark.unit
def test_each_notebook_has_one_grader_step_worth_the_points_of_its_public_checks(assignment, public, steps):
    points = points_per_notebook(public)
    assert [step["with"]["test-name"] for step in graders(steps)] == list(assignment.notebooks)
    assert {step["with"]["test-name"]: step["with"]["max-score"] for step in graders(steps)} == \
        {name: math.floor(value) for name, value in points.items()}


@pytest.mark.unit
def test_a_notebooks_fraction_of_a_point_is_dropped_from_max_score_and_said_so(public, text):
    """The action reads max-score as a whole number (assignment 2 has 17.5 and 20.5)."""
    for name, points in points_per_notebook(public).items():
        if points != math.floor(points):
            step = text[text.index(f'test-name: "{name}"'):]
            step = step[:step.index("max-score:") + len(f"max-score: {math.floor(points)}\n")]
            assert f"public points {points:g}" in step and step.endswith(f"max-score: {math.floor(points)}\n")


@pytest.mark.unit
def test_each_grader_step_runs_the_files_of_its_notebooks_public_checks(public, steps):
    for step in graders(steps):
        files = {"autograder/" + t["id"].split("::")[0].removeprefix("public/")
                 for t in public if t["notebook"] == step["with"]["test-name"]}
        command = step["with"]["command"].split()
        assert command[:3] == ["python", "-m", "pytest"]
        assert {word for word in command if word.startswith("autograder/")} == files


@pytest.mark.unit
def test_the_reporter_reads_every_grader_step_through_its_results_variable(steps):
    ids = [step["id"] for step in graders(steps)]
    reporter = steps[-1]
    assert reporter["uses"] == classroom.REPORTER
    assert reporter["with"]["runners"] == ",".join(ids)
    assert reporter["env"] == {f"{i.upper()}_RESULTS": "${{steps." + i + ".outputs.result}}" for i in ids}
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[a-z0-9]+", i) for i in ids)


@pytest.mark.unit
def test_the_setup_installs_requirements_and_fetches_each_dataset_the_notebooks_read(assignment, steps):
    for step in graders(steps):
        setup = step["with"]["setup-command"]
        assert setup.startswith("python -m pip install -r requirements.txt && ")
        for name in assignment.data:
            assert (f"test -d cs231n/datasets/{datasets.FOLDERS[name]} || "
                    f"python -m gradekit data {name} --dest cs231n/datasets") in setup


@pytest.mark.unit
def test_the_checks_read_the_data_from_where_the_setup_put_it(steps):
    """Without --data-dir, a check that needs the data is skipped, and a step of skipped checks passes."""
    for step in graders(steps):
        assert step["with"]["command"].endswith(" --data-dir=$PWD/cs231n/datasets")
        assert "--dest cs231n/datasets" in step["with"]["setup-command"]


@pytest.mark.unit
def test_requirements_add_torch_only_where_the_assignment_imports_it(assignment):
    names = [Requirement(line).name for line in classroom.requirements(assignment).splitlines()]
    assert {"numpy", "pytest", "jupyterlab", "ipykernel"} <= set(names)
    assert ("torch" in names) == ("torch" in classroom.imported_modules(assignment))
    assert ("torch" in names) == (assignment.name != "assignment1")


@pytest.mark.unit
def test_every_module_an_assignment_imports_is_the_standard_librarys_the_courses_or_required(assignment):
    known = (set(sys.stdlib_module_names) | {assignment.package, "gradekit"} | set(classroom.DISTRIBUTIONS)
             | set(classroom.ALWAYS_REQUIRED))
    assert sorted(classroom.imported_modules(assignment) - known) == []


@pytest.mark.unit
def test_every_requirement_is_installed_here_at_exactly_its_pinned_version(assignment):
    """What the workflow installs is what these tests ran with."""
    for line in classroom.requirements(assignment).splitlines():
        requirement = Requirement(line)
        assert str(requirement.specifier).startswith("==")
        installed = importlib.metadata.version(requirement.name)
        assert requirement.specifier.contains(installed), f"{line}: {installed} installed here"


@pytest.mark.unit
def test_the_student_readme_installs_from_requirements_txt(assignment):
    readme = release.student_readme(assignment)
    assert "pip install -r requirements.txt" in readme
    assert "torch==" in readme or assignment.name == "assignment1"


# -- the commands as written, in a release of assignment 1 ------------------------------------------
ACTION_ENV = {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"], "HOME": os.environ["HOME"]}
"""The command grader's environment (PATH and HOME), `python` being the Python these tests run with."""


@pytest.fixture(scope="module")
def a1_release(tmp_path_factory):
    return release.build(course.load("assignment1"), str(tmp_path_factory.mktemp("classroom") / "release"))


@pytest.fixture(scope="module")
def a1_reference(a1_release, tmp_path_factory):
    """The release with the reference's package, as pushed after running every notebook: with the
    models features.ipynb saves in artifacts/ (random weights of its shapes: the public check reads
    shapes and refuses a model left untrained)."""
    a1 = course.load("assignment1")
    folder = str(tmp_path_factory.mktemp("classroom") / "reference")
    shutil.copytree(a1_release, folder)
    shutil.rmtree(os.path.join(folder, a1.package))
    release.write_package(a1, folder, regions.reveal)
    os.makedirs(os.path.join(folder, "artifacts"))
    rng = np.random.default_rng(0)
    np.savez(os.path.join(folder, "artifacts", "features.npz"), svm_W=rng.normal(size=(155, 10)),
             net_W1=rng.normal(size=(154, 50)), net_b1=np.zeros(50), net_W2=rng.normal(size=(50, 10)),
             net_b2=np.zeros(10))
    return folder


def workflow_steps(folder):
    with open(os.path.join(folder, ".github", "workflows", "classroom.yml")) as f:
        return graders(yaml.safe_load(f)["jobs"]["run-autograding-tests"]["steps"])


def run_as_the_action_does(command, folder):
    """`command` run by /bin/sh in `folder`, as the action's execSync runs it; returns the exit status."""
    return subprocess.run(["/bin/sh", "-c", command], cwd=folder, env=ACTION_ENV,
                          capture_output=True, text=True, timeout=600).returncode


@pytest.mark.integration
def test_the_release_holds_the_workflow_and_its_requirements(a1_release):
    a1 = course.load("assignment1")
    with open(os.path.join(a1_release, ".github", "workflows", "classroom.yml")) as f:
        assert f.read() == classroom.workflow(a1)
    with open(os.path.join(a1_release, "requirements.txt")) as f:
        assert f.read() == classroom.requirements(a1)


@pytest.mark.integration
def test_what_the_setup_command_names_is_in_the_release(a1_release):
    """The setup needs the network (pip, the dataset download), so it is not run here."""
    setup = workflow_steps(a1_release)[0]["with"]["setup-command"]
    assert "-r requirements.txt" in setup and os.path.isfile(os.path.join(a1_release, "requirements.txt"))
    assert "python -m gradekit data " in setup
    assert run_as_the_action_does("python -m gradekit data --help", a1_release) == 0
    assert os.path.isfile(os.path.join(a1_release, "gradekit", "__main__.py"))
    assert os.path.isdir(os.path.join(a1_release, "cs231n"))


@pytest.mark.integration
def test_every_grader_command_passes_on_the_reference(a1_reference):
    statuses = {step["id"]: run_as_the_action_does(step["with"]["command"], a1_reference)
                for step in workflow_steps(a1_reference)}
    assert statuses == {name: 0 for name in statuses}


@pytest.mark.integration
def test_every_grader_command_fails_on_the_untouched_release(a1_release):
    statuses = {step["id"]: run_as_the_action_does(step["with"]["command"], a1_release)
                for step in workflow_steps(a1_release)}
    assert [name for name, status in statuses.items() if status == 0] == []


@pytest.mark.integration
def test_pytest_in_the_release_writes_junit_xml_with_each_checks_points(a1_reference, manifests):
    command = "python -m pytest autograder/test_knn.py -q --junitxml=report.xml"
    assert run_as_the_action_does(command, a1_reference) == 0
    cases = list(ET.parse(os.path.join(a1_reference, "report.xml")).getroot().iter("testcase"))
    points = {case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")} for case in cases}
    manifest = {t["name"]: t for t in manifests["assignment1"] if t["id"].startswith("public/test_knn.py")}
    assert points == {name: {"notebook": "knn", "points": f"{t['points']:g}"} for name, t in manifest.items()}
