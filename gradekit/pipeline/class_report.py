"""`DIR/report.html`: how the class did, for the instructor, rebuilt from the results on disk (like
the gradebook, so an interrupted batch or a later one into the same folder is always counted).

Score histograms per notebook and in total; per check its pass rate, mean points, discrimination
and most common failure messages (hidden checks in full: the page is the instructor's); what
stopped notebooks and gradings; grading time per submission. Statistics are over the submissions
graded (status "graded"); the failed gradings are counted and listed apart.
"""
import collections
import os
import re

import numpy as np

from gradekit import disclosure
from gradekit.pipeline import report
from gradekit.pipeline.html import escape, histogram, number, page, write

REPORT = "report.html"
COMMON_MESSAGES = 3
"""How many of a check's most common failure messages are shown."""
MESSAGE_CHARS = 240
EXECUTION_PROBLEMS = ("timeout", "crashed", "stopped", "missing", "corrupt", "error")
NUMBER = re.compile(r"(?<![A-Za-z_])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def write_report(out_root, assignment_notebooks):
    """Write `out_root/report.html` from every result under `out_root`; returns its path."""
    results = report.load_results(out_root)
    return write(os.path.join(out_root, REPORT), report_page(results, tuple(assignment_notebooks)))


def report_page(results, notebooks):
    """The whole page: summary, histograms, problems, checks, timings."""
    graded = [r for r in results if r.get("status") == "graded"]
    names = sorted({r.get("assignment", "") for r in results}) or [""]
    totals = [r.get("score", 0) for r in graded]
    summary = (f"{len(results)} submissions: {len(graded)} graded, {len(results) - len(graded)} failed to grade"
               + (f"; mean {number(float(np.mean(totals)), 3)}, median {number(float(np.median(totals)), 3)} "
                  f"of {number(max_score(graded))} points" if graded else ""))
    body = [f"<h1>{escape(', '.join(names))}: class report</h1>", f'<p class="meta" id="summary">{summary}</p>',
            histograms(graded, notebooks), problems(results, notebooks), checks(graded, notebooks),
            timings(results)]
    return page(f"{', '.join(names)}: class report", "\n".join(body))


def max_score(results, notebook=None):
    """The most points possible, in total or in one notebook, over `results`."""
    if notebook is None:
        return max((r.get("max_score", 0) for r in results), default=0)
    return max((r.get("notebooks", {}).get(notebook, {}).get("max_score", 0) for r in results), default=0)


def histograms(graded, notebooks):
    """A score histogram for the total and for each notebook."""
    charts = [histogram([r.get("score", 0) for r in graded], max_score(graded), x_label="points",
                        title=f"total ({len(graded)} graded)")]
    for name in notebooks:
        scores = [r["notebooks"][name].get("score", 0) for r in graded if name in r.get("notebooks", {})]
        charts.append(histogram(scores, max_score(graded, name), x_label="points", title=f"{name}.ipynb"))
    return '<section id="histograms"><h2>Scores</h2><div class="charts">' + "".join(charts) + "</div></section>"


def problems(results, notebooks):
    """Counts of execution problems per notebook and of failed gradings, then the list of each."""
    counts = {name: collections.Counter() for name in notebooks}
    listed = []
    for result in results:
        for name in notebooks:
            execution = result.get("notebooks", {}).get(name, {}).get("execution", {})
            if execution.get("status") in EXECUTION_PROBLEMS:
                counts[name][execution["status"]] += 1
                listed.append((result["student_id"], execution["status"], execution.get("message", "")))
    failed = [r for r in results if r.get("status") != "graded"]
    head = "".join(f'<th class="num">{s}</th>' for s in EXECUTION_PROBLEMS)
    rows = "".join(f"<tr><td>{escape(name)}.ipynb</td>"
                   + "".join(f'<td class="num">{counts[name][s]}</td>' for s in EXECUTION_PROBLEMS) + "</tr>"
                   for name in notebooks)
    total = "".join(f'<td class="num">{sum(c[s] for c in counts.values())}</td>' for s in EXECUTION_PROBLEMS)
    parts = ['<section id="problems"><h2>What stopped notebooks and gradings</h2>',
             f'<p id="failed-count"><strong>{len(failed)}</strong> failed gradings (status "failed"; '
             "not in the statistics below).</p>",
             f'<table id="execution-problems"><tr><th>notebook</th>{head}</tr>{rows}'
             f"<tr><td><strong>all</strong></td>{total}</tr></table>"]
    if failed:
        parts.append("<details open><summary>failed gradings</summary><table>"
                     + "".join(f"<tr><td>{escape(r['student_id'])}</td>"
                               f'<td class="message">{escape(r.get("error") or "")}</td></tr>' for r in failed)
                     + "</table></details>")
    if listed:
        parts.append(f"<details><summary>the {len(listed)} notebooks that did not run to the end</summary><table>"
                     + "".join(f"<tr><td>{escape(s)}</td><td>{escape(status)}</td>"
                               f'<td class="message">{escape(message)}</td></tr>' for s, status, message in listed)
                     + "</table></details>")
    parts.append("</section>")
    return "\n".join(parts)


def check_statistics(graded, notebooks):
    """Per check (in the order first seen): its test, how many graded results have it, pass rate,
    mean points, discrimination (None if undefined) and [(count, message with numbers as #)]."""
    earned, rest, passed, failures, tests = {}, {}, {}, {}, {}
    for result in graded:
        for test in result.get("tests", []):
            if test.get("notebook") not in notebooks:
                continue
            key = test["id"]
            tests.setdefault(key, test)
            earned.setdefault(key, []).append(test.get("earned", 0))
            rest.setdefault(key, []).append(result.get("score", 0) - test.get("earned", 0))
            passed[key] = passed.get(key, 0) + (test.get("status") == "passed")
            if test.get("status") != "passed":
                failures.setdefault(key, collections.Counter())[NUMBER.sub("#", test.get("message") or "")] += 1
    return [{"test": test, "count": len(earned[key]), "pass_rate": passed[key] / len(earned[key]),
             "mean": float(np.mean(earned[key])), "discrimination": discrimination(earned[key], rest[key]),
             "messages": [(n, m) for m, n in failures.get(key, collections.Counter()).most_common(COMMON_MESSAGES)]}
            for key, test in tests.items()]


def discrimination(earned, rest):
    """Pearson correlation of a check's points with the rest of the score; None when either has no
    variance (every submission the same)."""
    earned, rest = np.asarray(earned, dtype=float), np.asarray(rest, dtype=float)
    if len(earned) < 2 or np.ptp(earned) == 0 or np.ptp(rest) == 0:
        return None
    return float(np.corrcoef(earned, rest)[0, 1])


def checks(graded, notebooks):
    """The per-check table, notebook by notebook, hidden checks in full."""
    rows = []
    for stat in sorted(check_statistics(graded, notebooks), key=lambda s: notebooks.index(s["test"]["notebook"])):
        test = stat["test"]
        tag = '<span class="tag">hidden</span>' if disclosure.is_hidden(test) else ""
        d = stat["discrimination"]
        messages = "".join(f"<li><strong>{n}×</strong> {escape(shorten(m))}</li>" for n, m in stat["messages"])
        rows.append(f'<tr class="check" data-id="{escape(test["id"])}"><td>{escape(test.get("notebook", ""))}</td>'
                    f'<td>{escape(disclosure.title(test))}{tag}<br><code class="muted">{escape(test["id"])}</code></td>'
                    f'<td class="num">{number(test.get("points", 0))}</td>'
                    f'<td class="num">{stat["pass_rate"]:.0%}</td><td class="num">{number(stat["mean"], 3)}</td>'
                    f'<td class="num">{"n/a" if d is None else f"{d:.2f}"}</td>'
                    f'<td class="message">{"<ul>" + messages + "</ul>" if messages else ""}</td></tr>')
    return ('<section id="checks"><h2>Checks</h2><p class="muted">Discrimination: the correlation of the '
            "check's points with the rest of the score (n/a when either is the same for everyone). Failure "
            "messages are grouped with numbers replaced by #.</p>"
            '<table id="check-table"><tr><th>notebook</th><th>check</th><th class="num">points</th>'
            '<th class="num">pass rate</th><th class="num">mean points</th><th class="num">discrimination</th>'
            "<th>most common failures</th></tr>" + "".join(rows) + "</table></section>")


def shorten(text):
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + "…"


def timings(results):
    """Grading time per submission: a histogram of the total and every submission's stages,
    slowest first."""
    stages = ("unpack", "execute", "check")
    seconds = sorted(((sum(r.get("timings", {}).get(s, 0) for s in stages), r) for r in results),
                     key=lambda pair: -pair[0])
    if not seconds:
        return '<section id="timings"><h2>Grading time</h2><p>No results.</p></section>'
    totals = [t for t, _ in seconds]
    rows = "".join(f"<tr><td>{escape(r['student_id'])}</td>"
                   + "".join(f'<td class="num">{number(r.get("timings", {}).get(s, 0), 3)}</td>' for s in stages)
                   + f'<td class="num">{number(t, 3)}</td></tr>' for t, r in seconds)
    return ('<section id="timings"><h2>Grading time</h2>'
            f"<p>per submission: mean {number(float(np.mean(totals)), 3)} s, median "
            f"{number(float(np.median(totals)), 3)} s, longest {number(totals[0], 3)} s "
            f"({escape(seconds[0][1]['student_id'])}).</p>"
            + histogram(totals, max(totals), x_label="seconds (unpack + execute + check)", title="grading time")
            + f"<details><summary>every submission, slowest first</summary><table id=\"timing-table\">"
            "<tr><th>student</th>" + "".join(f'<th class="num">{s} (s)</th>' for s in stages)
            + f'<th class="num">total (s)</th></tr>{rows}</table></details></section>')
