"""The thread limit of a `--jobs 2` batch stays in that batch: Dask's nannies write their workers'
settings (OMP_NUM_THREADS=1 and more) into the process that runs the local cluster, and a later
grading in that process must neither keep them in its environment nor give them to its kernels."""
import json
import os
import shutil

import nbformat
import pytest

from gradekit import sandbox
from gradekit.pipeline import grade

pytestmark = pytest.mark.integration

SEEN = ("import json, os\n"
        "with open(os.path.join(artifacts_dir, 'threads.json'), 'w') as f:\n"
        f"    json.dump({{name: os.environ.get(name) for name in {sandbox.THREAD_VARIABLES!r}}}, f)")


def reporting_threads(assignment, dest):
    """The untouched release whose knn notebook only saves its kernel's thread variables as an artefact."""
    shutil.copytree(assignment.release, dest)
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("artifacts_dir = '.'", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(SEEN)]
    nbformat.write(nb, os.path.join(dest, "knn.ipynb"))
    return str(dest)


def kernel_threads(out_root, student):
    with open(os.path.join(out_root, student, "artifacts", "threads.json")) as f:
        return json.load(f)


def test_a_jobs_2_batch_leaves_no_thread_limit_in_the_environment_or_later_kernels(tmp_path, monkeypatch,
                                                                                 assignment1, data_dir):
    for name in sandbox.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    before = dict(os.environ)
    first, second, later = (reporting_threads(assignment1, tmp_path / name) for name in ("first", "second", "later"))
    options = grade.Options(assignment1, str(tmp_path / "out"), data_dir, call_timeout=10, notebooks=("knn",))

    batch = grade.grade_all([first, second], options, jobs=2, progress=False)
    assert dict(os.environ) == before
    grade.grade_all([later], options, jobs=1, progress=False)

    assert [r["notebooks"]["knn"]["execution"]["status"] for r in batch] == ["ok", "ok"]
    share = str(max(1, (os.cpu_count() or 1) // 2))  # a --jobs 2 batch's kernels: half the cores each
    seen = {student: kernel_threads(options.out_root, student) for student in ("first", "second", "later")}
    assert seen == {"first": dict.fromkeys(sandbox.THREAD_VARIABLES, share),
                    "second": dict.fromkeys(sandbox.THREAD_VARIABLES, share),
                    "later": dict.fromkeys(sandbox.THREAD_VARIABLES, None)}
