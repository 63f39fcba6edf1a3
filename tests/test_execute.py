"""Executing notebooks: parameters injected, failures reported with the file and the cell."""
import contextlib
import os

import nbformat
import pytest

from gradekit.pipeline import execute

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


THREADS_SEEN = "import os\nwith open(folder + '/threads.txt', 'w') as f:\n    f.write(os.environ.get('OMP_NUM_THREADS', 'default'))"


@pytest.mark.parametrize("sandboxed", [False, True], ids=["unsandboxed", "sandboxed"])
def test_a_thread_limit_reaches_the_kernel_and_not_the_callers_environment(tmp_path, monkeypatch, sandboxed):
    from gradekit import sandbox

    if sandboxed and sandbox.unavailable():
        pytest.skip(f"no sandbox: {sandbox.unavailable()}")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    root, out = tmp_path / "submission", tmp_path / "out"
    root.mkdir()
    notebook(str(root), "threads", THREADS_SEEN)
    seen = []
    with sandbox.slot(limits=sandbox.Limits(wall_seconds=60)) if sandboxed else contextlib.nullcontext() as spec:
        for threads in (1, None):  # a limited run (a --jobs 2 batch's), then one with the defaults
            if spec is not None:
                sandbox.give(str(tmp_path), spec.uid)
            report = execute.execute_one(str(root), "threads", str(out), {"answer": 0, "folder": str(root)}, 30,
                                         spec=spec, threads=threads)
            assert report["status"] == "ok", report["message"]
            seen.append((root / "threads.txt").read_text())
            assert "OMP_NUM_THREADS" not in os.environ
    assert seen == ["1", "default"]


SIDE_BY_SIDE = ("import os, time\nopen('mine.txt', 'w').write('x')\nseen = sorted(os.listdir('.'))\n"
                "started = time.time(); time.sleep(3)\n"
                "with open(folder + '/' + name + '.txt', 'w') as f:\n    f.write(f'{started} {time.time()} {seen}')")


@pytest.mark.parametrize("sandboxed", [False, True], ids=["unsandboxed", "sandboxed"])
def test_two_lanes_run_notebooks_side_by_side_each_on_its_own_copy(tmp_path, sandboxed):
    from gradekit import sandbox

    if sandboxed and sandbox.unavailable():
        pytest.skip(f"no sandbox: {sandbox.unavailable()}")
    root = tmp_path / "submission"
    root.mkdir()
    for name in ("first", "second"):
        nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                               "language": "python"}})
        nb.cells = [nbformat.v4.new_code_cell("folder = 'x'\nname = 'x'", metadata={"tags": ["parameters"]}),
                    nbformat.v4.new_code_cell(f"folder = artifacts_dir\nname = {name!r}"),
                    nbformat.v4.new_code_cell(SIDE_BY_SIDE)]
        nbformat.write(nb, str(root / f"{name}.ipynb"))
    with contextlib.ExitStack() as stack:
        specs = [stack.enter_context(sandbox.slot(limits=sandbox.Limits(wall_seconds=60))) if sandboxed else None
                 for _ in range(2)]
        reports, folders = execute.execute_all(str(root), ["first", "second"], str(tmp_path / "out"), {},
                                               str(tmp_path / "scratch"), 60, specs=specs)
    assert [r["status"] for r in reports.values()] == ["ok", "ok"], reports
    warnings = execute.collect_artifacts(folders, str(tmp_path / "artifacts"))
    runs = {name: (tmp_path / "artifacts" / f"{name}.txt").read_text().split(" ", 2) for name in ("first", "second")}
    (start1, end1, seen1), (start2, end2, seen2) = runs["first"], runs["second"]
    assert float(start2) < float(end1) and float(start1) < float(end2)  # they overlapped
    assert seen1 == "['first.ipynb', 'mine.txt']" and seen2 == "['mine.txt', 'second.ipynb']"  # nor the other's files
    assert warnings == [] and not (root / "mine.txt").exists()


def test_notebooks_side_by_side_leave_the_graders_working_folder_as_it_was(tmp_path):
    """papermill's own `cwd` changes the working folder of the whole process: two lanes left it in a
    notebook's copy, deleted after grading, and every later grading failed (FileNotFoundError)."""
    root = tmp_path / "submission"
    root.mkdir()
    for name in ("first", "second"):
        notebook(str(root), name, "import os, time\ntime.sleep(1)\nprint(os.getcwd())")
    before = os.getcwd()
    reports, _ = execute.execute_all(str(root), ["first", "second"], str(tmp_path / "out"), {"answer": 0},
                                     str(tmp_path / "scratch"), 60, specs=[None, None])
    assert [r["status"] for r in reports.values()] == ["ok", "ok"], reports
    assert os.getcwd() == before
    printed = nbformat.read(str(tmp_path / "out" / "first.ipynb"), as_version=4).cells[-1].outputs[0].text
    assert printed.strip() == str(tmp_path / "scratch" / "first" / "submission")


def test_a_later_notebooks_artefact_replaces_an_earlier_ones_of_the_same_name(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, text in ((first, "first"), (second, "second")):
        folder.mkdir()
        (folder / "model.npz").write_text(text)
    (first / "only_first.npz").write_text("kept")
    assert execute.collect_artifacts([str(first), str(second)], str(tmp_path / "out")) == []
    assert (tmp_path / "out" / "model.npz").read_text() == "second"
    assert (tmp_path / "out" / "only_first.npz").read_text() == "kept"
