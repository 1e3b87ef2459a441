"""What a grading run tells students and instructors.

Students see, per formula, the visible cases: how many passed, and for the first failure which
check failed (formula, tolerance), on which instance (family options, seed, the instance itself
if small, and the commands reproducing it), expected vs got. Of the hidden cases they see only
how many passed, when [hidden].visibility says. Instructors also get, per formula, a 0-point
test that students never see ("hidden") with every case: its seed and options, result, error
in tolerance units, and time; and the --json report with the same.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rlspec.conformance_tests.grading.config import GradingConfig
from rlspec.conformance_tests.grading.grade import CaseResult, FormulaGrade

KIND_TEXT = {
    "value": "wrong value",
    "nan": "NaN or infinity",
    "shape": "wrong shape",
    "raised": "raised an exception",
    "bad_output": "returned something that is not numbers",
    "exit": "called sys.exit",
    "timeout": "timed out",
    "crashed": "ended the worker process",
    "protocol": "broke the worker protocol",
    "skipped": "not run",
    "convention": "mixes conventions",
}
INSTANCE_LIMIT = 2500  # characters of an instance printed in a student's message


def points(x: Any) -> float:
    return round(float(x), 6)


def describe(r: CaseResult) -> str:
    options = ", ".join(f"{k}={v}" for k, v in r.case.options.items())
    return f"{r.case.label} ({r.case.raw.get('family', '?')} instance, seed {r.case.seed}; {options})"


def reproduce(g: FormulaGrade, r: CaseResult) -> str:
    flags = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in r.case.options.items())
    family = r.case.raw.get("family", g.formula.family)
    return (
        f"rlspec generate {family} --seed {r.case.seed} --formula {g.id} {flags} > case.json && "
        f"rlspec oracle {g.id} --instance case.json"
    )


def entries_text(r: CaseResult) -> list[str]:
    return [f"  at {list(e.index)}: expected {e.expected!r}, got {e.got!r}" for e in r.entries]


def student_visible(g: FormulaGrade, cfg: GradingConfig) -> str:
    f = g.formula
    head = f"{g.id} ({f.section}: {f.title})"
    if g.status in ("not_implemented", "import_error", "error"):
        return f"{head}\n{g.message}"
    if g.status == "forbidden":
        return (
            f"{head}\n{g.message}\nThe grading sandbox refused it; a formula whose code touches "
            "rlspec's files, the oracle, the report, processes, sockets or ctypes gets 0 points."
        )
    visible = g.part(False)
    passed = sum(r.passed for r in visible)
    lines = [head, f"passed {passed} of {len(visible)} visible cases"]
    if g.convention is not None and g.convention != "lecture":
        lines[1] += f" (read under the declared convention {g.convention!r})"
    t = f.tolerance
    failing = [r for r in visible if not r.passed]
    if failing:
        r = failing[0]
        lines.append(f"first failure: {describe(r)}")
        lines.append(f"  {KIND_TEXT.get(r.kind, r.kind)}: {r.message}")
        lines.extend(entries_text(r))
        lines.append(f"  tolerance: {t.name}: max|got - expected| <= {t.bound_expression}")
        if r.kind != "skipped":
            lines.append(f"  reproduce: {reproduce(g, r)}")
            instance = json.dumps(r.case.raw, separators=(",", ":"))
            if cfg.show_instances and len(instance) <= INSTANCE_LIMIT:
                lines.append(f"  instance: {instance}")
    return "\n".join(lines)


def student_hidden(g: FormulaGrade) -> str:
    hidden = g.part(True)
    if g.status in ("not_implemented", "import_error", "forbidden", "error"):
        return f"{g.id}: hidden cases not run ({g.status.replace('_', ' ')})"
    passed = sum(r.passed for r in hidden)
    kinds = Counter(KIND_TEXT.get(r.kind, r.kind) for r in hidden if not r.passed)
    text = f"{g.id}: passed {passed} of {len(hidden)} hidden cases"
    if kinds:
        text += " (" + ", ".join(f"{n} {k}" for k, n in kinds.items()) + ")"
    return text


def instructor_detail(g: FormulaGrade) -> str:
    lines = [
        f"{g.id}: {points(g.score):g} of {g.spec.points:g} points ({g.status}); "
        f"visible {points(g.visible_score):g}/{points(g.visible_max):g}, "
        f"hidden {points(g.hidden_score):g}/{points(g.hidden_max):g}; {g.seconds:.2f} s"
    ]
    if g.message:
        lines.append(g.message)
    for r in g.results:
        units = "-" if r.units is None else f"{r.units:.3g} units"
        verdict = "pass" if r.passed else KIND_TEXT.get(r.kind, r.kind)
        lines.append(f"{describe(r)}: {verdict}, {units}, {1000 * r.seconds:.1f} ms")
        if not r.passed and r.message:
            lines.append(f"  {r.message}")
        lines.extend(entries_text(r))
        for v in r.violations:
            lines.append(f"  refused: {v}")
    return "\n".join(lines)


def status(g: FormulaGrade, full: bool) -> str:
    return "passed" if full and g.status not in ("forbidden", "not_implemented", "import_error") else "failed"


def gradescope_tests(grades: Sequence[FormulaGrade], cfg: GradingConfig) -> list[dict[str, Any]]:
    tests: list[dict[str, Any]] = []
    for g in grades:
        title = f"{g.id}: {g.formula.title}"
        if g.visible_max > 0 or g.spec.visible > 0:
            tests.append(
                {
                    "name": f"{title} (visible cases)",
                    "score": points(g.visible_score),
                    "max_score": points(g.visible_max),
                    "status": status(g, g.visible_score == g.visible_max),
                    "output": student_visible(g, cfg),
                    "visibility": "visible",
                }
            )
        if g.spec.hidden > 0:
            tests.append(
                {
                    "name": f"{title} (hidden cases)",
                    "score": points(g.hidden_score),
                    "max_score": points(g.hidden_max),
                    "status": status(g, g.hidden_score == g.hidden_max),
                    "output": student_hidden(g),
                    "visibility": cfg.hidden_visibility,
                }
            )
        if cfg.instructor_detail:
            tests.append(
                {
                    "name": f"{title} (instructor detail)",
                    "score": 0.0,
                    "max_score": 0.0,
                    "status": "passed" if g.status == "pass" else "failed",
                    "output": instructor_detail(g),
                    "visibility": "hidden",
                }
            )
    return tests


def gradescope_document(
    grades: Sequence[FormulaGrade], cfg: GradingConfig, meta: Mapping[str, Any]
) -> dict[str, Any]:
    tests = gradescope_tests(grades, cfg)
    score = round(sum(t["score"] for t in tests), 6)
    head = f"{cfg.title}: {score:g} of {points(cfg.total_points):g} points"
    if meta.get("import_error"):
        head += f"\n{meta['import_error']}"
    return {
        "score": score,
        # The visible phase's time only: the hidden phase's would be a channel out of it.
        "execution_time": max(1, round(float(meta.get("visible_seconds", meta.get("seconds", 0))))),
        "output": head,
        "visibility": cfg.visibility,
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def write_gradescope(
    path: Path, grades: Sequence[FormulaGrade], cfg: GradingConfig, meta: Mapping[str, Any]
) -> None:
    doc = gradescope_document(grades, cfg, meta)
    write_atomically(path, json.dumps(doc, indent=1, allow_nan=False) + "\n")


def write_atomically(path: Path, text: str) -> None:
    """Write a file whole or not at all: a temporary file in the same folder, then os.replace.
    Called only after every worker of the submission is dead."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def case_json(r: CaseResult) -> dict[str, Any]:
    return {
        "label": r.case.label,
        "hidden": r.case.hidden,
        "seed": r.case.seed,
        "pool_index": r.case.pool_index,
        "options": r.case.options,
        "passed": r.passed,
        "kind": r.kind,
        "message": r.message,
        "units": r.units,
        "seconds": round(r.seconds, 6),
        "entries": [{"index": list(e.index), "expected": e.expected, "got": e.got} for e in r.entries],
        "violations": r.violations,
        "matched": list(r.matched),
    }


def report_document(
    grades: Sequence[FormulaGrade], cfg: GradingConfig, meta: Mapping[str, Any]
) -> dict[str, Any]:
    """The instructor's report: every case (hidden ones with their pool index and seed)."""
    return {
        "rlspec_grade": 1,
        **meta,
        "score": round(sum(points(g.score) for g in grades), 6),
        "max_score": points(cfg.total_points),
        "formulas": [
            {
                "id": g.id,
                "section": g.section_key,
                "status": g.status,
                "convention": g.convention,
                "points": g.spec.points,
                "score": points(g.score),
                "visible": {"score": points(g.visible_score), "max": points(g.visible_max)},
                "hidden": {"score": points(g.hidden_score), "max": points(g.hidden_max)},
                "message": g.message,
                "violations": g.violations,
                "seconds": round(g.seconds, 4),
                "cases": [case_json(r) for r in g.results],
            }
            for g in grades
        ],
    }


def write_json(
    path: Path, grades: Sequence[FormulaGrade], cfg: GradingConfig, meta: Mapping[str, Any]
) -> None:
    doc = report_document(grades, cfg, meta)
    write_atomically(path, json.dumps(doc, indent=1, default=str) + "\n")


def table(grades: Sequence[FormulaGrade], cfg: GradingConfig, meta: Mapping[str, Any]) -> str:
    head = ("formula", "points", "visible", "hidden", "status")
    rows = [head]
    for g in grades:
        v, h = g.part(False), g.part(True)
        rows.append(
            (
                g.id,
                f"{points(g.score):g}/{g.spec.points:g}",
                f"{sum(r.passed for r in v)}/{len(v)}" if v else "-",
                f"{sum(r.passed for r in h)}/{len(h)}" if h else "-",
                g.status.replace("_", " "),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for g in grades:
        if g.status != "pass":
            lines.append("")
            lines.append(student_visible(g, cfg))
    total = round(sum(points(g.score) for g in grades), 6)
    lines.append("")
    seconds = float(meta.get("seconds", 0))
    lines.append(f"{cfg.title}: {total:g} of {points(cfg.total_points):g} points ({seconds:.1f} s)")
    return "\n".join(lines)
