"""GitHub Classroom for a release: its `.github/workflows/classroom.yml` and the `requirements.txt`
that the workflow (and a student setting up a machine) installs.

The workflow runs the public checks only, one `autograding-command-grader` step per notebook (all
or nothing per step, as that action scores), and `autograding-grading-reporter` sums the steps:
that is the score students see in Classroom. The course's grade comes from `gradekit grade`.
"""
import ast
import glob
import json
import math
import os
import re
import tomllib

import nbformat

from gradekit.pipeline import check
from gradekit.data import datasets

COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
TIMEOUT_MINUTES = 30
"""Each of a step's two commands may take this long (the action times its setup and its command
apart): the first step's setup installs the requirements (torch's Linux build is a few GB) and
downloads the data; the public checks of one notebook of assignment 1 take about 2 s here."""

ALWAYS_REQUIRED = ("pytest", "jupyterlab", "ipykernel", "future")
"""What every release needs whatever it imports: pytest runs the public checks, JupyterLab and its
kernel run the notebooks, and `future` gives the original course's starter code its
`past.builtins` (grading provides it too, so such code runs alike in both)."""
DISTRIBUTIONS = {"numpy": "numpy", "matplotlib": "matplotlib", "PIL": "pillow", "h5py": "h5py",
                 "torch": "torch"}
"""Top-level module -> the pinned dependency (pyproject.toml) that provides it."""


def workflow(assignment):
    """The text of `.github/workflows/classroom.yml` for the release of `assignment` (YAML)."""
    checks = public_checks(assignment)
    notebooks = [name for name in assignment.notebooks if name in checks]
    steps = [grader_step(assignment, name, *checks[name]) for name in notebooks]
    ids = [step_id(name) for name in notebooks]
    reporter = [
        "      - name: Autograding Reporter",
        f"        uses: {REPORTER}",
        "        env:",
        *(f"          {results_variable(i)}: {quoted('${{steps.' + i + '.outputs.result}}')}" for i in ids),
        "        with:",
        f"          runners: {','.join(ids)}",
    ]
    return "\n".join([
        f"# GitHub Classroom autograding of {assignment.name}, written by `gradekit release` (do not edit).",
        "# It runs only the public checks (autograder/, as `pytest autograder/` does on a student's",
        "# machine, on what was pushed: a check of what a notebook saved reads the pushed artifacts/),",
        "# one step per notebook, all or nothing per step: the score it reports is the students' visible",
        "# score. The course's grade comes from `gradekit grade`, which executes the notebooks and adds",
        "# the hidden checks.",
        "name: Autograding Tests",
        '"on":',
        "  - push",
        "  - workflow_dispatch",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  run-autograding-tests:",
        "    runs-on: ubuntu-latest",
        "    # Classroom's own first commit of a student's repository is not graded.",
        "    if: github.actor != 'github-classroom[bot]'",
        "    steps:",
        "      - name: Checkout code",
        "        uses: actions/checkout@v4",
        "      - name: Set up Python",
        "        uses: actions/setup-python@v5",
        "        with:",
        '          python-version: "3.11"',
        *steps,
        *reporter,
    ]) + "\n"


def grader_step(assignment, notebook, points, files):
    """The lines of one notebook's command-grader step: its public checks are in `files`."""
    whole = math.floor(points)
    lines = [
        f"      - name: {quoted(notebook)}",
        f"        id: {step_id(notebook)}",
        f"        uses: {COMMAND_GRADER}",
        "        with:",
        f"          test-name: {quoted(notebook)}",
        f"          setup-command: {quoted(setup_command(assignment))}",
        f"          command: {quoted(check_command(assignment, files))}",
        f"          timeout: {TIMEOUT_MINUTES}",
    ]
    if whole != points:
        lines.append(f"          # public points {points:g}: the action reads max-score as a whole number")
    return "\n".join(lines + [f"          max-score: {whole}"])


def public_checks(assignment):
    """{notebook: (the points of its public checks, the release paths of their files)}, from the
    autograder's @points markers (`public/test_x.py` ships as `autograder/test_x.py`)."""
    points, files = {}, {}
    for test in check.manifest(assignment):
        if test["id"].startswith("public/"):
            name = test["notebook"]
            points[name] = points.get(name, 0.0) + test["points"]
            files.setdefault(name, set()).add("autograder/" + test["id"].split("::")[0].removeprefix("public/"))
    return {name: (points[name], sorted(files[name])) for name in points}


def step_id(notebook):
    """The step's id: lower-case letters and digits, as the reporter's `runners` input requires
    (it reads each runner's result from the variable `<ID>_RESULTS`)."""
    return re.sub(r"[^a-z0-9]", "", notebook.lower())


def results_variable(identifier):
    return f"{identifier.upper()}_RESULTS"


def data_folder(assignment):
    return f"{assignment.package}/datasets"


def setup_command(assignment):
    """Install requirements.txt, then download each dataset the notebooks read that is not there
    yet (the steps share the runner's folder: only the first step downloads)."""
    fetches = [f"(test -d {data_folder(assignment)}/{datasets.FOLDERS[name]} || "
               f"python -m gradekit data {name} --dest {data_folder(assignment)})" for name in assignment.data]
    return " && ".join(["python -m pip install -r requirements.txt", *fetches])


def check_command(assignment, files):
    """pytest on the public checks in `files`, exiting non-zero when any fails; checks that read the
    data are given the folder the setup filled (without it they would be skipped, and pass)."""
    return f"python -m pytest {' '.join(files)} -q --data-dir=$PWD/{data_folder(assignment)}"


def quoted(text):
    """`text` as a YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(text)


# -- requirements.txt --------------------------------------------------------------------------
def requirements(assignment):
    """The text of requirements.txt: ALWAYS_REQUIRED, plus each dependency in DISTRIBUTIONS whose
    module the assignment imports (its source notebooks, its solution package or its public
    checks), each pinned to the version pyproject.toml pins."""
    pins = pinned_versions(assignment.repo)
    imported = imported_modules(assignment)
    names = [*ALWAYS_REQUIRED, *(DISTRIBUTIONS[m] for m in sorted(DISTRIBUTIONS) if m in imported)]
    return "".join(f"{name}=={pins[name]}\n" for name in sorted(names))


def pinned_versions(repo):
    """{distribution: version} of pyproject.toml's `name==version` dependencies."""
    with open(os.path.join(repo, "pyproject.toml"), "rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    return dict(spec.split("==", 1) for spec in dependencies if "==" in spec)


def imported_modules(assignment):
    """The top-level modules (absolute imports) of the source notebooks' code cells, the solution
    package's files and the public checks (IPython's % and ! lines left out)."""
    sources = []
    for path in sorted(glob.glob(os.path.join(assignment.source, "*.ipynb"))):
        cells = nbformat.read(path, as_version=4).cells
        sources += ["\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
                    for cell in cells if cell.cell_type == "code"]
    paths = glob.glob(os.path.join(assignment.solutions, assignment.package, "**", "*.py"), recursive=True)
    paths += glob.glob(os.path.join(assignment.public_tests, "*.py"))
    for path in sorted(paths):
        with open(path) as f:
            sources.append(f.read())
    modules = set()
    for text in sources:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules

