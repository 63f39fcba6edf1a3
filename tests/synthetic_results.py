"""Small result.json files written by the tests of feedback.html and report.html (no grading):
the shape gradekit.pipeline.grade.grade_one writes, with executed notebooks built by nbformat; and `Page`,
what those tests read of a page."""
import base64
import html.parser
import io
import json
import os
import re

import nbformat

INJECTION = '<script>document.title="pwned"</script><img src=x onerror="alert(document.domain)">'
"""A message that would run script if a page copied it as markup."""
RAN = {"status": "ok", "message": "", "seconds": 1.5}


def check_entry(id_, notebook, points, status="passed", message="", **more):
    """One entry of a result's `tests`."""
    return dict(id=id_, notebook=notebook, points=float(points), name=id_.split("::")[-1], reads_artifacts=False,
                earned=float(points) if status == "passed" else 0.0, status=status, message=message, **more)


def result(student, tests, executions=None, status="graded", error=None, timings=None, assignment="assignment1"):
    """A result.json dict whose scores are the sums of `tests` (as gradekit.pipeline.score computes them)."""
    notebooks = {}
    for test in tests:
        nb = notebooks.setdefault(test["notebook"], {"score": 0.0, "max_score": 0.0, "execution": dict(RAN)})
        nb["score"] += test["earned"]
        nb["max_score"] += test["points"]
    for name, execution in (executions or {}).items():
        notebooks.setdefault(name, {"score": 0.0, "max_score": 0.0})["execution"] = execution
    return {"assignment": assignment, "student_id": student, "timestamp": "2026-01-01T00:00:00+00:00",
            "status": status, "error": error, "warnings": [], "sandbox": True,
            "timings": timings or {"unpack": 0.1, "execute": 10.0, "check": 5.0},
            "score": sum(n["score"] for n in notebooks.values()),
            "max_score": sum(n["max_score"] for n in notebooks.values()),
            "notebooks": notebooks, "tests": tests}


def write_result(out_root, result_):
    """Write `out_root/<student_id>/result.json`; returns the student's folder."""
    folder = os.path.join(out_root, result_["student_id"])
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "result.json"), "w") as f:
        json.dump(result_, f)
    return folder


def png_bytes(colour=(200, 30, 30), size=(40, 30)):
    """A real PNG image of one colour."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def write_executed_notebook(folder, name, cells):
    """`folder/notebooks/<name>.ipynb` as papermill leaves it: an injected-parameters cell first,
    then `cells` (nbformat cells, outputs included)."""
    injected = nbformat.v4.new_code_cell("grading = True")
    injected.metadata["tags"] = ["injected-parameters"]
    notebook = nbformat.v4.new_notebook(cells=[injected, *cells])
    os.makedirs(os.path.join(folder, "notebooks"), exist_ok=True)
    path = os.path.join(folder, "notebooks", f"{name}.ipynb")
    nbformat.write(notebook, path)
    return path


def png_output(png):
    """A display_data output holding `png` as notebooks store it (base64 text)."""
    return nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode(),
                                                        "text/plain": "<Figure>"})


def error_output(ename, evalue, traceback):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=traceback)


class Page(html.parser.HTMLParser):
    """The parts of a page the tests look at: its text, its tags with their attributes."""

    def __init__(self, text):
        super().__init__()
        self.text, self.tags = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def words(self):
        return re.sub(r"\s+", " ", " ".join(self.text))

    def attributes(self, tag, name):
        return [attrs.get(name) for t, attrs in self.tags if t == tag and name in attrs]
