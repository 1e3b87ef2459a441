"""`rlspec conform --html F`: one self-contained HTML file (inline CSS and SVG; no scripts, no
fonts, no external resources) to look at a run.

Per formula: its status, a histogram of the errors of every evaluated instance in tolerance
units (log scale, the tolerance marked), the hard corners covered and, for a failure, the
failing instance's expected vs got (a plot and the differing entries) with the diagnoses.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rlspec.conformance_tests.results import FormulaResult, tolerance_share

LOW, HIGH = -8, 16  # histogram range, log10 of the error as a share of the tolerance
WIDTH, HEIGHT, PAD = 420, 120, 28
STYLE = """
body { font: 14px sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
section { border-top: 1px solid #999; margin-top: 1em; padding-top: .5em; }
.pass { color: #176b2c; } .fail, .error { color: #b00020; font-weight: bold; }
.plots { display: flex; gap: 1.5em; flex-wrap: wrap; }
svg text { font: 10px sans-serif; }
.diagnosis { background: #fff4d6; padding: 2px 6px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def error_histogram(r: FormulaResult) -> str:
    """An SVG histogram of log10(error / tolerance) over the evaluated instances."""
    factor = r.formula.tolerance.factor
    bins = HIGH - LOW
    ok_counts, bad_counts = [0] * bins, [0] * bins
    for c in r.instances:
        share = tolerance_share(c.units, factor)
        level = math.log10(share) if share > 0 and math.isfinite(share) else (HIGH if share else LOW)
        index = min(bins - 1, max(0, math.floor(level) - LOW))
        (ok_counts if c.ok else bad_counts)[index] += 1
    top = max([a + b for a, b in zip(ok_counts, bad_counts, strict=True)] + [1])
    bar = (WIDTH - 2 * PAD) / bins
    parts = [
        f'<svg class="error-plot" data-formula="{_e(r.id)}" width="{WIDTH}" height="{HEIGHT + PAD}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT + PAD}" xmlns="http://www.w3.org/2000/svg" role="img">',
        f"<title>{_e(r.id)}: errors of {len(r.instances)} instances in tolerance units</title>",
        f'<line x1="{PAD}" y1="{HEIGHT}" x2="{WIDTH - PAD}" y2="{HEIGHT}" stroke="#444"/>',
    ]
    for i in range(bins):
        x = PAD + i * bar
        for count, colour, below in ((ok_counts[i], "#2e8b57", 0), (bad_counts[i], "#c62828", ok_counts[i])):
            if count:
                h = (HEIGHT - 12) * count / top
                y = HEIGHT - (HEIGHT - 12) * below / top - h
                parts.append(
                    f'<rect class="bar" x="{x + 1:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" '
                    f'height="{h:.1f}" fill="{colour}"><title>{count}</title></rect>'
                )
        if i % 4 == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT + 12}">1e{LOW + i}</text>')
    tol_x = PAD + (0 - LOW) * bar
    parts.append(
        f'<line x1="{tol_x:.1f}" y1="4" x2="{tol_x:.1f}" y2="{HEIGHT}" stroke="#000" stroke-dasharray="4 3"/>'
    )
    parts.append(f'<text x="{tol_x + 3:.1f}" y="12">tolerance</text>')
    parts.append(
        f'<text x="{PAD}" y="{HEIGHT + 25}">error / tolerance ({_count(len(r.instances), "instance")})</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def expected_vs_got(r: FormulaResult) -> str:
    """An SVG scatter of got against expected on the failing instance (the diagonal is right)."""
    fail = r.failure
    if fail is None or fail.expected is None or fail.got is None or fail.expected.shape != fail.got.shape:
        return ""
    exp, got = np.ravel(fail.expected).astype(float), np.ravel(fail.got).astype(float)
    if exp.size == 0 or not (np.all(np.isfinite(exp)) and np.all(np.isfinite(got))):
        return ""
    lo, hi = float(min(exp.min(), got.min())), float(max(exp.max(), got.max()))
    span = hi - lo or max(1.0, abs(hi))
    lo, hi = lo - 0.05 * span, hi + 0.05 * span
    size = HEIGHT + PAD

    def at(v: float) -> float:
        return PAD + (size - 2 * PAD) * (v - lo) / (hi - lo)

    parts = [
        f'<svg class="expected-got-plot" data-formula="{_e(r.id)}" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" xmlns="http://www.w3.org/2000/svg" role="img">',
        "<title>failing instance: got (vertical) against expected (horizontal)</title>",
        f'<line x1="{PAD}" y1="{size - PAD}" x2="{size - PAD}" y2="{PAD}" stroke="#999" '
        'stroke-dasharray="3 3"/>',
    ]
    for e, g in zip(exp[:2000], got[:2000], strict=True):
        parts.append(f'<circle cx="{at(e):.1f}" cy="{size - at(g):.1f}" r="2.5" fill="#c62828"/>')
    parts.append(f'<text x="{PAD}" y="{size - 6}">expected</text><text x="2" y="{PAD - 8}">got</text>')
    parts.append("</svg>")
    return "".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def corners_line(r: FormulaResult) -> str:
    """The hard corners checked, those that conformed and those that failed."""
    passed = [c.corner for c in r.instances if c.ok and c.corner]
    failed = [c.corner for c in r.instances if not c.ok and c.corner]
    text = f"Corners covered: {', '.join(passed) if passed else 'none'}"
    if failed:
        text += f"; failed on: {', '.join(dict.fromkeys(failed))}"
    return f'<p class="corners">{_e(text)}</p>'


def formula_section(r: FormulaResult) -> str:
    t = r.formula.tolerance
    rows = [
        f'<section id="{_e(r.id)}"><h2>{_e(r.id)} <span class="{_e(r.status)}">{_e(r.status)}</span></h2>',
        f"<p>{_e(r.formula.title)}. Tolerance {t.factor:g} units ({_e(t.name)}: eps64 * {_e(t.scale)}); "
        f"{_count(len(r.instances), 'instance')} evaluated.</p>",
        corners_line(r),
        f'<div class="plots">{error_histogram(r)}{expected_vs_got(r)}</div>',
    ]
    if r.status in ("fail", "error"):
        rows.append(f"<p>{_e(r.message.split('; looks like ')[0])}</p>")
    fail = r.failure
    if fail is not None:
        rows += [f'<p class="diagnosis">looks like {_e(d)}</p>' for d in fail.diagnoses]
        if fail.entries:
            rows.append("<table><tr><th>entry</th><th>expected</th><th>got</th><th>units</th></tr>")
            rows += [
                f"<tr><td>{_e(list(e.index))}</td><td>{e.expected!r}</td><td>{e.got!r}</td><td>{e.units:.3g}</td></tr>"
                for e in fail.entries
            ]
            rows.append("</table>")
        if fail.instance_path:
            rows.append(f"<p>Smallest failing instance: <code>{_e(fail.instance_path)}</code></p>")
    rows.append("</section>")
    return "\n".join(rows)


def document(results: Sequence[FormulaResult], meta: Mapping[str, Any]) -> str:
    checked = [r for r in results if r.status not in ("not_implemented", "skipped")]
    summary_rows = "".join(
        f'<tr><td><a href="#{_e(r.id)}">{_e(r.id)}</a></td><td class="{_e(r.status)}">{_e(r.status)}</td>'
        f"<td>{r.examples}</td><td>{'-' if r.peak is None else f'{r.peak:.3g}'}</td>"
        f"<td>{r.formula.tolerance.factor:g}</td><td>{len(r.corners)}</td></tr>"
        for r in results
    )
    title = f"rlspec conform {meta.get('impl', '')}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
            f"<h1>{_e(title)}</h1>",
            f"<p>seed {_e(meta.get('seed'))}, {_e(meta.get('examples'))} examples per formula, "
            f"source {_e(meta.get('source', ''))}; {len(checked)} of {len(results)} formulas checked.</p>",
            "<table><tr><th>formula</th><th>status</th><th>examples</th><th>peak units</th>"
            f"<th>tolerance</th><th>corners</th></tr>{summary_rows}</table>",
            *(formula_section(r) for r in checked),
            "</body></html>",
        ]
    )


def write_html(path: Path, results: Sequence[FormulaResult], meta: Mapping[str, Any]) -> None:
    path.write_text(document(results, meta) + "\n", encoding="utf-8")
