"""`gradekit release`: the student version of an assignment, generated, never edited by hand.

    release/<assignment>/
        *.ipynb          nbgrader's generate_assignment: solutions stubbed, outputs cleared
        <package>/       the course package with every solution region stubbed
        autograder/      the public checks, their expected values and conftest.py
        gradekit/        the student runtime only (STUDENT_RUNTIME): `pytest autograder/`, `python -m gradekit data|submit`
        pytest.ini, README.md
        requirements.txt, .github/workflows/classroom.yml   (gradekit/authoring/classroom.py), .gitignore
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import nbformat

from gradekit.authoring import classroom, expected, regions
from gradekit.data import datasets

PYTEST_INI = """\
[pytest]
# The public checks of this assignment: run `pytest autograder/` in this folder.
pythonpath = .
testpaths = autograder
addopts = --import-mode=importlib -p no:cacheprovider
# `pytest --junitxml=report.xml`: each test case carries its points and notebook as properties, as xunit1 allows
junit_family = xunit1
# For gradekit's summary and data: each notebook's points with the hidden checks, where
# `python -m gradekit data` puts the datasets (the default of --data-dir), and the datasets each
# notebook's checks read
gradekit_points = {points}
gradekit_data_dir = {data_dir}
gradekit_datasets = {datasets}
"""


GITIGNORE = """\
# Not part of a submission: the datasets (`python -m gradekit data` puts them here), caches.
{package}/datasets/
__pycache__/
.ipynb_checkpoints/
.venv/
"""


def build(assignment, dest=None):
    """Regenerate the release and the public expected values it ships; returns its folder.

    Into the committed release (no `dest`), the expected values are also written into the
    autograder's `public/expected/`; a release built elsewhere changes nothing in the checkout."""
    committed = dest is None or os.path.abspath(dest) == os.path.abspath(assignment.release)
    dest = dest or assignment.release
    with tempfile.TemporaryDirectory() as tmp:
        staged = os.path.join(tmp, "release")
        os.makedirs(staged)
        for notebook in generate_notebooks(assignment, tmp):
            shutil.copy2(notebook, staged)
        write_package(assignment, staged, regions.stub)
        copy_public_checks(assignment, staged)
        expected.write(assignment, os.path.join(staged, "autograder", "expected"))
        if committed:
            expected.write(assignment)
        copy_runtime(staged)
        write_text(os.path.join(staged, "pytest.ini"), pytest_ini(assignment))
        write_text(os.path.join(staged, "README.md"), student_readme(assignment))
        write_text(os.path.join(staged, "requirements.txt"), classroom.requirements(assignment))
        write_text(os.path.join(staged, ".gitignore"), GITIGNORE.format(package=assignment.package))
        write_text(os.path.join(staged, ".github", "workflows", "classroom.yml"), classroom.workflow(assignment))
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copytree(staged, dest)
    return dest


def generate_notebooks(assignment, workdir):
    """Run nbgrader's own generate_assignment on the source notebooks in a scratch course."""
    course = os.path.join(workdir, "course")
    shutil.copytree(assignment.source, os.path.join(course, "source", assignment.name),
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy2(os.path.join(assignment.repo, "nbgrader_config.py"), course)
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    command = [os.path.join(bindir, "nbgrader"), "generate_assignment", assignment.name, "--force",
               f"--CourseDirectory.root={course}",
               f"--CourseDirectory.db_url=sqlite:///{os.path.join(workdir, 'gradebook.db')}"]
    done = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True)
    released = os.path.join(course, "release", assignment.name)
    if done.returncode != 0 or not os.path.isdir(released):
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{done.stdout}{done.stderr}")
    return [os.path.join(released, f"{nb}.ipynb") for nb in assignment.notebooks]


def write_package(assignment, dest, transform):
    """Copy the course package, passing every .py file through `transform` (stub or reveal)."""
    source = os.path.join(assignment.solutions, assignment.package)
    for folder, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        target = os.path.join(dest, assignment.package, os.path.relpath(folder, source))
        os.makedirs(target, exist_ok=True)
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name.endswith(".py"):
                with open(path) as f:
                    text = transform(f.read(), os.path.relpath(path, assignment.repo))
                write_text(os.path.join(target, name), text)
            elif not name.endswith(".pyc"):
                shutil.copy2(path, target)


def copy_public_checks(assignment, dest):
    target = os.path.join(dest, "autograder")
    shutil.copytree(assignment.public_tests, target,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(os.path.join(assignment.autograder, "conftest.py"), target)


STUDENT_RUNTIME = ("__init__.py", "__main__.py", "student_cli.py", "submit.py", "autograde", "sandbox.py",
                   "disclosure.py", "data/__init__.py", "data/datasets.py", "data/fetch.py", "data/unpickle.py",
                   "data/cifar10.py", "data/captions.py", "data/course_files.py", "data/squeezenet_weights.py")
"""The parts of gradekit a release ships: the public checks' pytest plugin, worker, wire and
assertions (autograde/, sandbox.py; disclosure.py names the checks), `python -m gradekit data` and
`submit` (data/ without student_data.py, the grader's copies); no grading, release, reference,
export or mutant code."""


def copy_runtime(dest):
    """The student runtime of gradekit (STUDENT_RUNTIME, pure Python), so the public checks run anywhere."""
    import gradekit

    source = os.path.dirname(os.path.abspath(gradekit.__file__))
    target = os.path.join(dest, "gradekit")
    os.makedirs(target)
    for name in STUDENT_RUNTIME:
        path = os.path.join(source, name)
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(target, name), ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            os.makedirs(os.path.dirname(os.path.join(target, name)), exist_ok=True)
            shutil.copy2(path, os.path.join(target, name))


def pytest_ini(assignment):
    """The release's pytest.ini: PYTEST_INI with the assignment's points, data folder and datasets."""
    return PYTEST_INI.format(
        points=" ".join(f"{name}={points:g}" for name, points in assignment.points.items()),
        data_dir=classroom.data_folder(assignment),
        datasets=" ".join(f"{name}={','.join(names)}" for name, names in notebook_datasets(assignment).items()))


def notebook_datasets(assignment):
    """{notebook: the datasets of the assignment whose folder its parameters cell names (a
    `datasets.PARAMETERS` variable set there)}."""
    found = {}
    for notebook in assignment.notebooks:
        cells = nbformat.read(os.path.join(assignment.source, f"{notebook}.ipynb"), as_version=4).cells
        source = "".join(c.source for c in cells if "parameters" in c.metadata.get("tags", []))
        names = set(re.findall(r"^(\w+)\s*=", source, re.MULTILINE))
        found[notebook] = [name for name in assignment.data if datasets.PARAMETERS[name] in names]
    return found


def student_readme(assignment):
    notebooks = "\n".join(f"- `{nb}.ipynb`" for nb in assignment.notebooks)
    return f"""# {assignment.name}

Work through the notebooks in order, filling in the `YOUR CODE HERE` cells and every
`raise NotImplementedError(...)` between the START/END OF YOUR CODE comments in `{assignment.package}/`:

{notebooks}

1. Install Python 3.11 or newer and the packages (once), in this folder:
   - Linux, macOS: `python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt`
     (activate again, `. .venv/bin/activate`, in each new terminal)
   - Windows: the public checks need Linux or macOS: use WSL (Ubuntu) and the line above
   - Colab: `%cd` into this folder, then `!pip install {colab_packages(assignment)}` (Colab has its own Jupyter)
2. Get the data (once):
{data_commands(assignment)}
3. Open the notebooks in JupyterLab: `jupyter lab`.
4. Check your work at any time: `pytest autograder/`. These are the public checks; they need no
   internet and read the data where step 2 put it (a check whose data is missing does not run: the
   summary names the command that gets it). Each failed check is one short message (`--tb=short`
   adds the tracebacks); the summary gives your public points per notebook. Grading also runs
   hidden checks, worth the rest of the points (comparisons with the reference on new inputs, and the
   accuracy of the models your notebooks save in `artifacts/`), executing your notebooks from top
   to bottom with `grading = True` and a time limit per cell. In a GitHub Classroom repository,
   each push runs the public checks of what you pushed (`artifacts/` included) and shows their score.
5. Hand in: `python -m gradekit submit` writes `<this folder's name>.zip` here, holding your notebooks
   and `{assignment.package}/` (not the datasets, nor `artifacts/`: the grader executes your notebooks
   itself). Upload that zip.

Points per notebook: {", ".join(f"{k} {v}" for k, v in assignment.points.items())}.
"""


def colab_packages(assignment):
    """requirements.txt without JupyterLab and its kernel, which Colab provides itself."""
    return " ".join(line for line in classroom.requirements(assignment).split()
                    if line.split("==")[0] not in ("jupyterlab", "ipykernel"))


def data_commands(assignment):
    """One `gradekit data` line per dataset the notebooks read (each puts its folder where the
    notebooks' parameter cells look by default)."""
    return "\n".join(f"   - `python -m gradekit data {name} --dest {assignment.package}/datasets`"
                     " (add `--from PATH` to use a local copy)" for name in assignment.data)


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
