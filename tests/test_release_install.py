"""A release installs on a student's machine: a fresh venv made from its requirements.txt alone
(offline, from the wheels scripts/setup.sh downloaded for them) runs its public checks, and the
reference's code passes every one that needs no executed notebook. Assignments 1 (numpy) and 2
(CPU torch); assignment 3 adds only h5py to assignment 2's packages."""
import json
import os
import shutil
import subprocess
import venv

import pytest

from gradekit import course
from gradekit.authoring import regions, release

pytestmark = pytest.mark.e2e

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("name", ["assignment1", "assignment2"])
def test_a_fresh_venv_from_the_release_requirements_runs_its_public_checks(tmp_path, name):
    assignment = course.load(name)
    wheels = os.path.join(REPO, "wheels", name)
    if not os.path.isfile(os.path.join(wheels, "requirements.txt")):
        pytest.fail(f"no wheels in {wheels}: run `bash scripts/setup.sh`")
    folder = str(tmp_path / name)
    shutil.copytree(assignment.release, folder)
    shutil.rmtree(os.path.join(folder, assignment.package))
    release.write_package(assignment, folder, regions.reveal)  # a student who solved everything
    venv.create(tmp_path / "venv", with_pip=True)
    python = str(tmp_path / "venv" / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PIP_FIND_LINKS")}
    installed = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", wheels,
                                "-r", "requirements.txt"], cwd=folder, env=env, capture_output=True, text=True,
                               timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]
    results = tmp_path / "results.json"
    done = subprocess.run([python, "-m", "pytest", "autograder/", "-q", f"--results-json={results}"], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=900)
    outcomes = json.loads(results.read_text())["tests"]
    not_passed = {t["id"]: t["message"] for t in outcomes if t["status"] != "passed"}
    reads_artifacts = {t["id"] for t in outcomes if t["reads_artifacts"]}
    assert outcomes and set(not_passed) == reads_artifacts, done.stdout[-3000:]
