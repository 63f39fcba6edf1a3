"""The kernel papermill runs: what a notebook prints is bounded, its figures are kept."""
import nbformat
import pytest

from gradekit import sandbox
from gradekit.pipeline import execute

pytestmark = pytest.mark.integration


def executed(tmp_path, *cells, spec=None):
    """The outputs, cell by cell, of a notebook of `cells` executed as grading executes it."""
    root = tmp_path / "submission"
    root.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, str(root / "task.ipynb"))
    report = execute.execute_one(str(root), "task", str(tmp_path / "out"), {"artifacts_dir": str(root / "artifacts")},
                                 60, None, spec)
    assert report["status"] == "ok", report["message"]
    cells = nbformat.read(str(tmp_path / "out" / "task.ipynb"), as_version=4).cells
    return [c.outputs for c in execute.student_cells(cells)]


def test_printed_output_beyond_the_limit_is_dropped_with_one_line_saying_so(tmp_path):
    outputs = executed(tmp_path, "print('x' * 3_000_000)", "print('later')")
    texts = [o.get("text", "") for cell in outputs for o in cell]
    assert texts == ["[gradekit: printed output beyond 1048576 bytes are not kept]\n"]


def test_figures_are_kept_after_a_long_printout(tmp_path):
    outputs = executed(tmp_path, "print('x' * 1_200_000)",
                       "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()")
    assert any("image/png" in o.get("data", {}) for o in outputs[1])


@pytest.mark.skipif(sandbox.unavailable() is not None, reason="no sandbox here")
def test_a_sandboxed_kernel_shows_its_figures_too(tmp_path):
    with sandbox.slot() as spec:
        outputs = executed(tmp_path, "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()", spec=spec)
    assert any("image/png" in o.get("data", {}) for o in outputs[0])
