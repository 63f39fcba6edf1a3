"""What feedback.html and report.html share: the page around them, escaping, and charts drawn as
inline SVG by hand (crisp in print, no plotting library, nothing fetched).

Every string that comes from a result (messages, notebook sources and outputs, student ids) is
student-controlled: it reaches a page only through `escape`. The pages hold no script at all, and
their Content-Security-Policy forbids every script and every remote asset besides."""
import html
import math
import os

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f;
       max-width: 62rem; margin: 1.5rem auto; padding: 0 1rem; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; } h2 { font-size: 1.25rem; margin: 2rem 0 .5rem;
     border-bottom: 2px solid #ddd; padding-bottom: .2rem; } h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.meta { color: #555; margin: 0 0 1rem; }
.total { font-size: 2.2rem; font-weight: 700; margin: .3rem 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid #e3e3e3; }
th { background: #f4f4f6; font-weight: 600; }
td code { overflow-wrap: anywhere; font-size: .75rem; } td.result { white-space: nowrap; }
td ul { margin: 0; padding-left: 1rem; } #check-table td:nth-child(2) { width: 27%; } #check-table td:nth-child(7) { width: 33%; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.passed { color: #1b6e20; } .failed { color: #b3261e; } .muted { color: #666; }
.tag { display: inline-block; font-size: .75rem; padding: 0 .35rem; border-radius: .25rem;
       background: #ececf0; color: #444; margin-left: .3rem; vertical-align: middle; }
.alert { border-left: 5px solid #b3261e; background: #fdecea; padding: .6rem .9rem; margin: .8rem 0; }
.note { border-left: 5px solid #8a8a8a; background: #f6f6f6; padding: .6rem .9rem; margin: .8rem 0; }
pre, code { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
pre { background: #f6f6f8; padding: .5rem .7rem; overflow-x: auto; white-space: pre-wrap;
      word-break: break-word; margin: .3rem 0; }
.message { white-space: pre-wrap; word-break: break-word; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(26rem, 1fr)); gap: .5rem 1.2rem; }
figure { margin: .4rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
figcaption { color: #555; font-size: .85rem; }
svg { display: block; margin: .3rem 0 .8rem; max-width: 100%; height: auto; }
.charts { display: flex; flex-wrap: wrap; gap: 0 1.5rem; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; }
  h2 { break-after: avoid; } tr, figure, svg, .alert, pre { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""

PASS, FAIL, AXIS, GRID, BAR = "#2e7d32", "#c62828", "#333", "#e0e0e0", "#3f6fb5"


def escape(value):
    """`value` as text safe anywhere in a page: in an element or an attribute value."""
    return html.escape(str(value), quote=True)


def page(title, body):
    """A whole self-contained HTML page: inline CSS, no script, a strict Content-Security-Policy."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")


def write(path, text):
    """Write `text` to `path` atomically (a reader never sees half a page)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    return path


def number(x, digits=4):
    """A number as people read it: at most `digits` significant digits, no trailing zeros."""
    return f"{x:.{digits}g}" if isinstance(x, (int, float)) else str(x)


def nice_ticks(high, count=5):
    """Round tick values from 0 to at least `high` (at most about `count` + 1 of them)."""
    if high <= 0:
        return [0, 1]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if high >= 1 and step < 1:
        step = 1
    ticks, value = [], 0.0
    while value < high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def bar_chart(labels, values, x_label, y_label, title="", width=420, height=220, edges=None):
    """Vertical bars with a labelled y axis (grid lines at round values) and one label under each
    bar, or, given `edges` (one more than the bars, as a histogram's bin edges), a label under each
    boundary between bars."""
    left, right, top, bottom = 40, 14, 36 if title else 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max(values, default=0))
    scale = plot_h / ticks[-1]
    slot = plot_w / max(1, len(values))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title or y_label)}" '
             'font-family="system-ui, sans-serif" font-size="11">']
    if title:
        parts.append(f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="{AXIS}">{escape(title)}</text>')
    for tick in ticks:
        y = top + plot_h - tick * scale
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}">{number(tick)}</text>')
    for i, (label, value) in enumerate(zip(labels, values)):
        x, h = left + i * slot, value * scale
        parts.append(f'<rect x="{x + slot * 0.1:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.8:.1f}" '
                     f'height="{h:.1f}" fill="{BAR}"><title>{escape(label)}: {number(value)}</title></rect>')
        if value:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle" '
                         f'fill="{AXIS}">{number(value)}</text>')
        if edges is None:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                         f'fill="{AXIS}">{escape(label)}</text>')
    for i, edge in enumerate(edges or []):
        parts.append(f'<text x="{left + i * slot:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                     f'font-size="10" fill="{AXIS}">{escape(edge)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{AXIS}"/>'
                 f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{AXIS}"/>'
                 f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" fill="{AXIS}">'
                 f'{escape(x_label)}</text>'
                 f'<text transform="translate(12 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" '
                 f'fill="{AXIS}">{escape(y_label)}</text></svg>')
    return "".join(parts)


def histogram(values, high, bins=10, x_label="score", title=""):
    """A histogram of `values` over [0, high] in `bins` equal bins (the last one holds `high`)."""
    high = high or 1
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, int(value / high * bins)))] += 1
    edges = [high * i / bins for i in range(bins + 1)]
    labels = [f"{number(edges[i], 3)}–{number(edges[i + 1], 3)}" for i in range(bins)]
    return bar_chart(labels, counts, x_label, "submissions", title=title, edges=[number(e, 3) for e in edges])


def target_bar(what, value, target, met, width=460):
    """One measured value against its target: a bar from 0 (green if `met`, else red), a dashed
    line at the target, both numbers written out."""
    high = 1.0 if max(value, target) <= 1 else nice_ticks(max(value, target))[-1]
    left, right, bar_h, height = 10, 60, 18, 62
    scale = (width - left - right) / high
    vx, tx = left + max(0.0, min(value, high)) * scale, left + target * scale
    colour = PASS if met else FAIL
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(what)}" font-family="system-ui, sans-serif" font-size="11">'
            f'<text x="{left}" y="13" font-size="12" fill="{AXIS}">{escape(what)}</text>'
            f'<rect x="{left}" y="20" width="{width - left - right}" height="{bar_h}" fill="#eeeeee"/>'
            f'<rect x="{left}" y="20" width="{vx - left:.1f}" height="{bar_h}" fill="{colour}"/>'
            f'<text x="{width - right + 6}" y="33" font-weight="600" fill="{colour}">{number(value)}</text>'
            f'<line x1="{tx:.1f}" y1="16" x2="{tx:.1f}" y2="{22 + bar_h}" stroke="{AXIS}" stroke-width="2" '
            f'stroke-dasharray="3 2"/>'
            f'<text x="{tx:.1f}" y="{34 + bar_h}" text-anchor="middle" fill="{AXIS}">target {number(target)}</text>'
            f'<text x="{left}" y="{34 + bar_h}" fill="#777">0</text>'
            f'<text x="{width - right}" y="{34 + bar_h}" text-anchor="end" fill="#777">{number(high)}</text></svg>')
