"""`DIR/<student_id>/feedback.html`: what a student reads of their grading, in one self-contained page.

Scores, every check as a sentence with its points and message (hidden checks as
`gradekit.disclosure` allows), what stopped a notebook (the cell, its first lines and its error),
the grader's measurements against their targets, the figures the notebooks drew, and how to run the
public checks at home. Everything taken from the result or a notebook is escaped; of a notebook's
outputs only PNG images are embedded, after checking they are PNG: its HTML, SVG or JavaScript
outputs are markup the student controls and are never copied.
"""
import base64
import binascii
import os
import re

from gradekit import disclosure
from gradekit.pipeline import execute, unpack
from gradekit.pipeline.html import escape, number, page, target_bar, write

FEEDBACK = "feedback.html"
MAX_FIGURES = 8
"""The most figures (image/png outputs) embedded per notebook."""
MAX_FIGURE_BYTES = 2 << 20
"""The most PNG bytes embedded per notebook."""
SOURCE_LINES = 6
ERROR_LINES = 10
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def write_feedback(out_dir, result, hidden="summary"):
    """Write `out_dir/<student_id>/feedback.html` for `result` (a result.json), hidden checks shown
    as `hidden` says (disclosure.HIDDEN_MODES); returns its path."""
    disclosure.checked_mode(hidden)
    folder = os.path.join(out_dir, unpack.check_student_id(result["student_id"]))
    return write(os.path.join(folder, FEEDBACK), feedback_page(result, folder, hidden))


def feedback_page(result, folder, hidden):
    """The whole page: header and totals, then one section per notebook, then how to reproduce."""
    student, assignment = result["student_id"], result.get("assignment", "")
    parts = [f"<h1>{escape(assignment)}: feedback for {escape(student)}</h1>",
             f'<p class="meta">submitted {escape(result.get("timestamp") or "(time unknown)")}; '
             f'graded {"in a sandbox" if result.get("sandbox") else "without a sandbox"}</p>',
             f'<p class="total" id="total">{number(result.get("score", 0))} / {number(result.get("max_score", 0))}'
             ' points</p>']
    if result.get("status") == "failed":
        parts.append(f'<div class="alert" id="grading-error"><strong>Grading failed:</strong> '
                     f'<span class="message">{escape(result.get("error") or "no reason recorded")}</span><br>'
                     "The checks it did not reach count 0 points; ask your instructor.</div>")
    if result.get("warnings"):
        parts.append('<div class="note"><strong>Notes from the grader:</strong><ul>'
                     + "".join(f"<li>{escape(w)}</li>" for w in result["warnings"]) + "</ul></div>")
    notebooks = result.get("notebooks", {})
    parts.append(score_table(notebooks))
    tests = result.get("tests", [])
    for name, notebook in notebooks.items():
        mine = [t for t in tests if t.get("notebook") == name]
        parts.append(notebook_section(name, notebook, mine, os.path.join(folder, "notebooks", f"{name}.ipynb"),
                                      hidden))
    parts.append(reproduce(assignment, notebooks, tests))
    return page(f"{assignment} feedback: {student}", "\n".join(parts))


def score_table(notebooks):
    """Score and execution status per notebook."""
    rows = "".join(f'<tr><td><a href="#nb-{escape(name)}">{escape(name)}.ipynb</a></td>'
                   f'<td class="num">{number(nb.get("score", 0))} / {number(nb.get("max_score", 0))}</td>'
                   f'<td>{escape(run_status(nb.get("execution", {})))}</td></tr>'
                   for name, nb in notebooks.items())
    return ('<table id="scores"><tr><th>notebook</th><th class="num">points</th><th>execution</th></tr>'
            f"{rows}</table>")


def run_status(execution):
    """How a notebook's execution ended, in words."""
    status = execution.get("status")
    if not status:
        return "not executed"
    seconds = execution.get("seconds")
    return f"{status}" + (f", {number(seconds, 3)} s" if seconds is not None else "")


def notebook_section(name, notebook, tests, executed_path, hidden):
    """One notebook: its score, what stopped it, the grader's measurements, its checks, its figures."""
    cells = student_cells(executed_path)
    parts = [f'<section id="nb-{escape(name)}"><h2>{escape(name)}.ipynb: '
             f'{number(notebook.get("score", 0))} / {number(notebook.get("max_score", 0))} points</h2>']
    execution = notebook.get("execution", {})
    if execution.get("status") not in (None, "ok"):
        parts.append(execution_problem(execution, cells))
    shown = [t for t in (disclosure.shown(t, hidden) for t in tests) if t is not None]
    charts = [target_bar(m["what"], m["value"], m["target"], met=t["status"] == "passed")
              for t in shown for m in t.get("measured", [])]
    if charts:
        parts.append("<h3>Measured by the grader</h3>" + "".join(charts))
    parts.append(checks_table(shown))
    left_out = [t for t in tests if disclosure.shown(t, hidden) is None]
    if left_out:
        parts.append(f'<p class="muted">{len(left_out)} hidden checks, not listed: '
                     f'{number(sum(t.get("earned", 0) for t in left_out))} / '
                     f'{number(sum(t.get("points", 0) for t in left_out))} points (in the totals above).</p>')
    parts.append(figures(cells))
    parts.append("</section>")
    return "\n".join(parts)


def checks_table(tests):
    """One row per check: passed or not, its name as a sentence, its points and its message."""
    if not tests:
        return '<p class="muted">No checks listed.</p>'
    rows = []
    for test in tests:
        status = test.get("status", "")
        mark = "✓ passed" if status == "passed" else f"✗ {status}"
        tag = '<span class="tag">hidden</span>' if disclosure.is_hidden(test) else ""
        rows.append(f'<tr class="check" data-id="{escape(test["id"])}">'
                    f'<td class="result {"passed" if status == "passed" else "failed"}">{escape(mark)}</td>'
                    f'<td>{escape(test["title"])}{tag}</td>'
                    f'<td class="num">{number(test.get("earned", 0))} / {number(test.get("points", 0))}</td>'
                    f'<td class="message">{escape(test.get("message") or "")}</td></tr>')
    return ('<table class="checks"><tr><th>result</th><th>check</th><th class="num">points</th>'
            "<th>message</th></tr>" + "".join(rows) + "</table>")


def student_cells(path):
    """The student's cells of an executed notebook (execute.student_cells), or [] if there is none
    or it cannot be read."""
    import nbformat

    try:
        return execute.student_cells(nbformat.read(path, as_version=4).cells)
    except Exception:  # noqa: BLE001 - a missing or unreadable notebook has no cells to show
        return []


def execution_problem(execution, cells):
    """What stopped the notebook: the message, and the cell it names (the number JupyterLab shows)
    with its first lines and its error, from the executed notebook."""
    parts = [f'<div class="alert execution"><strong>The notebook did not run to the end '
             f'({escape(execution.get("status"))}):</strong> <span class="message">'
             f'{escape(execution.get("message", ""))}</span>']
    found = re.search(r"\.ipynb cell (\d+)\b", execution.get("message", ""))
    if found and 0 < int(found.group(1)) <= len(cells):
        cell = cells[int(found.group(1)) - 1]
        lines = cell.get("source", "").splitlines()
        more = f"\n... ({len(lines) - SOURCE_LINES} more lines)" if len(lines) > SOURCE_LINES else ""
        parts.append(f"<h3>Cell {found.group(1)}, first lines</h3>"
                     f'<pre class="source">{escape(chr(10).join(lines[:SOURCE_LINES]) + more)}</pre>')
        error = cell_error(cell)
        if error:
            parts.append(f'<h3>Its error</h3><pre class="error">{escape(error)}</pre>')
    parts.append("</div>")
    return "\n".join(parts)


def cell_error(cell):
    """The last lines of the cell's error output (traceback without terminal colours), or ""."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            lines = ANSI.sub("", "\n".join(output.get("traceback", []))).splitlines()
            lines = lines or [f"{output.get('ename', '')}: {output.get('evalue', '')}"]
            return "\n".join(lines[-ERROR_LINES:])
    return ""


def figures(cells):
    """The notebook's PNG outputs as embedded images, at most MAX_FIGURES and MAX_FIGURE_BYTES,
    saying how many were left out; any other kind of output is never embedded."""
    kept, total, left_out = [], 0, 0
    for cell_number, png in pngs(cells):
        if len(kept) < MAX_FIGURES and total + len(png) <= MAX_FIGURE_BYTES:
            kept.append((cell_number, png))
            total += len(png)
        else:
            left_out += 1
    if not kept and not left_out:
        return ""
    parts = ['<h3>Figures your notebook drew</h3><div class="figures">']
    for cell_number, png in kept:
        parts.append(f'<figure><img alt="figure of cell {cell_number}" '
                     f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
                     f"<figcaption>cell {cell_number}</figcaption></figure>")
    parts.append("</div>")
    if left_out:
        parts.append(f'<p class="muted">{left_out} more figures left out (at most {MAX_FIGURES} and '
                     f"{MAX_FIGURE_BYTES >> 20} MB per notebook).</p>")
    return "\n".join(parts)


def pngs(cells):
    """(cell number, PNG bytes) of every output that is valid base64 of a PNG file."""
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("image/png") if isinstance(output.get("data"), dict) else None
            png = decoded_png(data)
            if png is not None:
                yield index + 1, png


def decoded_png(data):
    """The bytes of `data` (base64 text, possibly split into lines) if they are a PNG file, else None."""
    if isinstance(data, list):
        data = "".join(data)
    if not isinstance(data, str):
        return None
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if raw.startswith(PNG_SIGNATURE) and raw[12:16] == b"IHDR" else None


def reproduce(assignment, notebooks, tests):
    """How to run the public checks locally, per notebook and all at once."""
    lines = []
    for name in notebooks:
        files = sorted({t["id"].split("::")[0] for t in tests
                        if t.get("notebook") == name and not disclosure.is_hidden(t)})
        lines += [f"pytest autograder/{f}   # the public checks of {name}.ipynb" for f in files]
    lines.append("pytest autograder/   # every public check")
    return ('<section id="reproduce"><h2>Run the public checks yourself</h2>'
            f"<p>In your copy of the release folder (<code>release/{escape(assignment)}</code>, where you ran "
            "JupyterLab), after running each notebook to the end so that <code>artifacts/</code> holds what "
            "it saves:</p>"
            f'<pre>{escape(chr(10).join(lines))}</pre>'
            "<p>Hidden checks run only when grading: they call your code on new inputs and measure your saved "
            "models on data the grader loads itself.</p></section>")
