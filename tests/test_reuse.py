"""Reusing executions: a notebook runs again exactly when something it depends on changed."""
import os
import shutil
import time

import nbformat
import numpy as np
import pytest

from gradekit.pipeline import execute, reuse

pytestmark = pytest.mark.integration

NOTEBOOK_CELLS = [
    "artifacts_dir = 'artifacts'",
    "import os, numpy as np\nfrom pkg.used import VALUE\nos.makedirs(artifacts_dir, exist_ok=True)\n"
    "np.savez(os.path.join(artifacts_dir, 'value.npz'), value=VALUE)",
]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


@pytest.fixture
def submission(tmp_path):
    root = tmp_path / "submission"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    notebook.cells[0].metadata["tags"] = ["parameters"]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    os.makedirs(root)
    nbformat.write(notebook, str(root / "task.ipynb"))
    write(str(root / "pkg" / "__init__.py"), "")
    write(str(root / "pkg" / "used.py"), "VALUE = 1\n")
    write(str(root / "pkg" / "unused.py"), "OTHER = 1\n")
    return root


def run(submission, tmp_path, run_name, **extra):
    out = tmp_path / run_name
    parameters = {"artifacts_dir": str(out / "artifacts"), "grading": True}
    store = reuse.Store(str(tmp_path / "store"))
    report = execute.execute_one(str(submission), "task", str(out / "notebooks"), dict(parameters, **extra), 60, store)
    return report, out


def saved_value(out):
    with np.load(out / "artifacts" / "value.npz", allow_pickle=False) as f:
        return int(f["value"])


def test_first_run_executes_and_second_run_reuses(submission, tmp_path):
    first, _ = run(submission, tmp_path, "one")
    second, out = run(submission, tmp_path, "two")
    assert first["status"] == "ok" and not first.get("reused")
    assert second["status"] == "ok" and second["reused"]
    assert saved_value(out) == 1


def test_change_to_a_module_the_notebook_does_not_seem_to_import_executes_again(submission, tmp_path):
    run(submission, tmp_path, "one")
    write(str(submission / "pkg" / "unused.py"), "OTHER = 2\n")
    assert not run(submission, tmp_path, "two")[0].get("reused")


def test_change_to_an_imported_module_executes_again(submission, tmp_path):
    run(submission, tmp_path, "one")
    write(str(submission / "pkg" / "used.py"), "VALUE = 2\n")
    report, out = run(submission, tmp_path, "two")
    assert not report.get("reused")
    assert saved_value(out) == 2


def test_change_to_the_notebook_executes_again(submission, tmp_path):
    run(submission, tmp_path, "one")
    notebook = nbformat.read(str(submission / "task.ipynb"), as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("print('more')"))
    nbformat.write(notebook, str(submission / "task.ipynb"))
    assert not run(submission, tmp_path, "two")[0].get("reused")


def test_a_module_loaded_by_a_computed_name_cannot_make_another_submission_reuse_a_run(submission, tmp_path):
    write(str(submission / "pkg" / "used.py"),
          "import importlib\nVALUE = importlib.import_module('pkg.' + 'un' + 'used').OTHER\n")
    run(submission, tmp_path, "poisoner")
    write(str(submission / "pkg" / "unused.py"), "OTHER = 4\n")  # the honest submission's own module
    report, out = run(submission, tmp_path, "honest")
    assert not report.get("reused") and saved_value(out) == 4


def test_what_a_notebook_prints_does_not_change_what_it_is_stored_under(submission, tmp_path):
    before = reuse.Store.key("task", {"grading": True}, str(submission))
    run(submission, tmp_path, "one")
    assert reuse.Store.key("task", {"grading": True}, str(submission)) == before


def test_failed_run_is_not_stored(submission, tmp_path):
    write(str(submission / "pkg" / "used.py"), "raise RuntimeError('broken')\n")
    first, _ = run(submission, tmp_path, "one")
    second, _ = run(submission, tmp_path, "two")
    assert first["status"] == "error" and second["status"] == "error"
    assert "task.ipynb cell 2" in second["message"] and not second.get("reused")


def data_folder(path, text):
    write(str(path / "batch.txt"), text)
    return str(path)


def test_a_data_folder_is_known_by_its_content_not_its_path(submission, tmp_path):
    run(submission, tmp_path, "one", data_dir=data_folder(tmp_path / "checkout-a", "images"))
    report, _ = run(submission, tmp_path, "two", data_dir=data_folder(tmp_path / "checkout-b", "images"))
    assert report.get("reused")


def test_changed_data_executes_again(submission, tmp_path):
    folder = data_folder(tmp_path / "data", "images")
    run(submission, tmp_path, "one", data_dir=folder)
    data_folder(tmp_path / "data", "other images")
    assert not run(submission, tmp_path, "two", data_dir=folder)[0].get("reused")


def test_runs_of_another_environment_are_not_reused(submission, tmp_path, monkeypatch):
    run(submission, tmp_path, "one")
    monkeypatch.setattr(reuse, "environment", lambda: "env-other-versions")
    assert not run(submission, tmp_path, "two")[0].get("reused")


def test_the_environment_changes_with_the_execution_code(tmp_path):
    here = os.path.dirname(os.path.dirname(reuse.__file__))
    for filename in reuse.EXECUTION_CODE:
        os.makedirs(os.path.dirname(tmp_path / filename), exist_ok=True)
        shutil.copyfile(os.path.join(here, filename), tmp_path / filename)
    assert reuse.environment_of(str(tmp_path)) == reuse.environment() == reuse.environment_of(here)
    with open(tmp_path / "pipeline" / "kernel.py", "a") as f:
        f.write("# a change to how a kernel starts\n")
    assert reuse.environment_of(str(tmp_path)) != reuse.environment()


def test_an_environment_unused_for_two_weeks_is_pruned_and_a_recent_one_kept(tmp_path):
    old, recent, current = (tmp_path / name for name in ("env-old", "env-recent", "env-current"))
    for folder in (old, recent, current):
        folder.mkdir()
    weeks_ago = time.time() - reuse.UNUSED_FOR - 60
    os.utime(old, (weeks_ago, weeks_ago))
    reuse.prune(str(tmp_path), keep=str(current))
    assert sorted(os.listdir(tmp_path)) == ["env-current", "env-recent"]


def test_a_change_to_another_notebook_reuses_this_one_which_cannot_see_it(submission, tmp_path):
    notebook = nbformat.read(str(submission / "task.ipynb"), as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "assert not os.path.exists('other.ipynb'), 'sees the other notebook'"))
    nbformat.write(notebook, str(submission / "task.ipynb"))
    write(str(submission / "other.ipynb"), "{}")

    def execute_both(name):
        parameters = {"artifacts_dir": "", "grading": True}
        return execute.execute_all(str(submission), ["task", "other"], str(tmp_path / name / "notebooks"), parameters,
                                   str(tmp_path / name / "scratch"), 60, reuse.Store(str(tmp_path / "store")))[0]

    first = execute_both("one")
    write(str(submission / "other.ipynb"), "{ }")
    second = execute_both("two")
    assert first["task"]["status"] == "ok" and not first["task"].get("reused")
    assert second["task"]["status"] == "ok" and second["task"]["reused"]


def test_two_graders_of_the_same_notebook_at_once_execute_it_once(submission, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        reports = [report for report, _ in pool.map(lambda name: run(submission, tmp_path, name), ["one", "two"])]
    assert [r["status"] for r in reports] == ["ok", "ok"]
    assert sorted(bool(r.get("reused")) for r in reports) == [False, True]
    assert saved_value(tmp_path / "one") == saved_value(tmp_path / "two") == 1


def test_the_environment_is_the_same_whatever_sys_path_holds(tmp_path, monkeypatch):
    stray = tmp_path / "gradekit.egg-info"  # what a checkout holds beside its package
    stray.mkdir()
    (stray / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: gradekit\nVersion: 9.9\n")
    here = os.path.dirname(os.path.dirname(reuse.__file__))
    before = reuse.environment_of(here)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert reuse.environment_of(here) == before
