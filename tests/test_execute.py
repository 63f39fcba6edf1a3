"""Executing notebooks: parameters injected, failures reported with the file and the cell."""
import os

import nbformat
import pytest

from gradekit import execute

pytestmark = pytest.mark.integration


def notebook(folder, name, *cells):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("answer = 0\nfolder = 'x'", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, os.path.join(folder, f"{name}.ipynb"))


@pytest.fixture
def run(tmp_path):
    root, out = tmp_path / "submission", tmp_path / "out"
    root.mkdir()

    def run_one(name, *cells, timeout=20, raw=None):
        if raw is not None:
            (root / f"{name}.ipynb").write_text(raw)
        elif cells:
            notebook(str(root), name, *cells)
        return execute.execute_one(str(root), name, str(out), {"answer": 42, "folder": str(out)}, timeout), out

    return run_one


def test_parameters_are_injected_and_the_executed_notebook_kept(run):
    report, out = run("ok", "with open(folder + '/answer.txt', 'w') as f:\n    f.write(str(answer))")
    assert report["status"] == "ok"
    assert (out / "answer.txt").read_text() == "42"
    assert (out / "ok.ipynb").exists()


def test_an_exception_names_the_notebook_cell_and_error(run):
    report, _ = run("bad", "x = 1", "raise NotImplementedError('the svm loss')")
    assert report["status"] == "error"
    assert report["message"] == ("bad.ipynb cell 3 (`raise NotImplementedError('the svm loss')`) "
                                 "raised NotImplementedError: the svm loss")


def test_a_cell_over_the_time_limit_is_stopped_and_named(run):
    report, _ = run("slow", "import time\ntime.sleep(60)", timeout=3)
    assert report["status"] == "timeout"
    assert report["message"] == "slow.ipynb cell 2 (`import time`) exceeded the 3 s time limit"
    assert report["seconds"] < 40


def test_a_dead_kernel_is_reported_with_its_cell(run):
    report, _ = run("dies", "x = 1", "import os\nos._exit(1)")
    assert report["status"] == "crashed"
    assert "dies.ipynb cell 3 (`import os`) killed the kernel" in report["message"]


def test_broken_json_is_reported_as_corrupt(run):
    report, _ = run("corrupt", raw='{"cells": [')
    assert report["status"] == "corrupt"
    assert report["message"].startswith("corrupt.ipynb is not a valid notebook: broken JSON")


def test_a_missing_notebook_is_reported(run):
    report, _ = run("absent")
    assert report == {"status": "missing", "message": "absent.ipynb is missing from the submission",
                      "seconds": report["seconds"]}


def test_a_thread_limit_holds_inside_and_leaves_the_environment_as_it_was(monkeypatch):
    from gradekit.grade import thread_limit

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    with thread_limit(1):
        assert os.environ["OMP_NUM_THREADS"] == os.environ["MKL_NUM_THREADS"] == "1"
    assert "OMP_NUM_THREADS" not in os.environ and os.environ["MKL_NUM_THREADS"] == "3"
