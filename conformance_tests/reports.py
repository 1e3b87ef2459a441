"""Reports of a conformance run: terminal table, JSON, JUnit XML, Gradescope results.json."""

from __future__ import annotations

import fnmatch
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rlspec.conformance_tests.results import FormulaResult, tolerance_share
from rlspec.oracle.errors import UsageError

STATUS_TEXT = {
    "pass": "pass",
    "fail": "FAIL",
    "not_implemented": "not implemented",
    "skipped": "skipped",
    "error": "ERROR",
    "known_deviation": "known deviation",
    "xfail_passed": "XFAIL PASSED",
}
NOT_CONFORMING = ("fail", "error", "known_deviation", "xfail_passed")  # detailed under the table


def _units(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3g}"


def progress_line(i: int, n: int, r: FormulaResult, width: int) -> str:
    detail = r.message if r.status != "pass" else f"{r.examples} examples, peak {_units(r.peak)} units"
    counter = f"[{i:>{len(str(n))}}/{n}]"
    return f"{counter} {r.id:<{width}}  {STATUS_TEXT[r.status]:<15}  {detail}  ({r.seconds:.1f} s)"


def table(results: Sequence[FormulaResult], meta: Mapping[str, Any]) -> str:
    head = ("formula", "status", "examples", "peak", "mean", "tolerance", "convention")
    rows = [head]
    for r in results:
        t = r.formula.tolerance
        rows.append(
            (
                r.id,
                STATUS_TEXT[r.status],
                str(r.examples) if r.status not in ("not_implemented", "skipped") else "-",
                _units(r.peak),
                _units(r.mean),
                f"{t.factor:g} ({t.name})",
                r.convention or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    failures = [r for r in results if r.status in NOT_CONFORMING]
    for r in failures:
        lines.append("")
        lines.extend(failure_text(r).splitlines())
    counts = summary(results)
    lines.append("")
    lines.append(
        f"{counts['pass']} pass, {counts['fail']} fail, {counts['error']} error, "
        f"{counts['not_implemented']} not implemented, "
        + (f"{counts['skipped']} skipped, " if counts["skipped"] else "")
        + (f"{counts['known_deviation']} known deviation, " if counts["known_deviation"] else "")
        + (f"{counts['xfail_passed']} xfail passed, " if counts["xfail_passed"] else "")
        + f"of {len(results)} formulas "
        f"(peak/mean: error in units of {unit(meta)} * scale; {profile_name(meta)} profile; "
        f"{meta.get('source', '')}, seed {meta.get('seed')}, "
        f"{meta.get('seconds', 0):.1f} s)"
    )
    if meta.get("domains"):
        lines.append(f"input domains declared by the adapter: {meta['domains']}")
    cache = meta.get("cache")
    if isinstance(cache, Mapping) and (cache.get("replayed") or cache.get("answers_read")):
        lines.append(
            f"from the cache in {cache['directory']}: {len(cache['replayed'])} formulas replayed the "
            f"instances of an earlier passing run, {cache['answers_read']} oracle answers read "
            f"({cache['answers_computed']} computed); --no-cache recomputes everything"
        )
    return "\n".join(lines)


def profile_name(meta: Mapping[str, Any]) -> str:
    """The run's precision profile (conformance_tests/precision.py), float64 unless named."""
    return str(meta.get("profile") or "float64")


def unit(meta: Mapping[str, Any]) -> str:
    return "eps" + profile_name(meta).removeprefix("float")


def failure_text(r: FormulaResult) -> str:
    t = r.formula.tolerance
    label = {"known_deviation": "KNOWN DEVIATION", "xfail_passed": "XFAIL PASSED"}.get(r.status, "FAIL")
    lines = [
        f"{label} {r.id} ({r.formula.section}: {r.formula.title})",
        f"  {r.message}",
        f"  tolerance: {t.name}: max|got - expected| <= {t.bound_expression}",
    ]
    fail = r.failure
    if fail is not None:
        lines += [f"  looks like {d}" for d in fail.diagnoses if d not in r.message]
        for e in fail.entries:
            lines.append(
                f"  at {list(e.index)}: expected {e.expected!r}, got {e.got!r} ({e.units:.3g} units)"
            )
        if fail.instance_path:
            lines.append(f"  smallest failing instance: {fail.instance_path}")
            lines.append(f"  reproduce: python3 {fail.repro_path}")
    return "\n".join(lines)


def summary(results: Sequence[FormulaResult]) -> dict[str, int]:
    out = {key: 0 for key in STATUS_TEXT}
    for r in results:
        out[r.status] += 1
    return out


def result_json(r: FormulaResult) -> dict[str, Any]:
    t = r.formula.tolerance
    fail = r.failure
    return {
        "id": r.id,
        "section": r.section_key,
        "lecture_section": r.formula.section,
        "title": r.formula.title,
        "status": r.status,
        "examples": r.examples,
        "peak_units": r.peak,
        "mean_units": r.mean,
        "tolerance": {"name": t.name, "factor": t.factor, "scale": t.scale},
        "convention": r.convention,
        "conventions_matched": list(r.conventions),
        "corners_covered": list(r.corners),
        "message": r.message,
        "seconds": round(r.seconds, 4),
        "failure": None
        if fail is None
        else {
            "kind": fail.kind,
            "message": fail.message,
            "units": fail.units,
            "entries": [
                {"index": list(e.index), "expected": e.expected, "got": e.got, "units": e.units}
                for e in fail.entries
            ],
            "instance": fail.instance_path,
            "repro": fail.repro_path,
            "diagnoses": list(fail.diagnoses),
        },
        "instances": [
            {
                "kind": c.kind,
                "units": _finite(c.units),
                "of_tolerance": _finite(tolerance_share(c.units, t.factor)),
                "corner": c.corner,
            }
            for c in r.instances
        ],
    }


def _finite(x: float) -> float | None:
    """JSON has no inf or nan: None for an error too large to represent."""
    return x if math.isfinite(x) else None


def write_json(path: Path, results: Sequence[FormulaResult], meta: Mapping[str, Any]) -> None:
    doc = {
        "rlspec_conform": 1,
        **meta,
        "summary": summary(results),
        "formulas": [result_json(r) for r in results],
    }
    path.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")


def write_junit(path: Path, results: Sequence[FormulaResult], meta: Mapping[str, Any]) -> None:
    counts = summary(results)
    suites = ET.Element("testsuites", name="rlspec conform")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"rlspec conform {meta.get('impl', '')} ({profile_name(meta)})",
        tests=str(len(results)),
        failures=str(counts["fail"]),
        errors=str(counts["error"]),
        skipped=str(counts["not_implemented"] + counts["skipped"]),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    shown = {"profile": profile_name(meta), **{k: meta.get(k, "") for k in ("seed", "examples", "source")}}
    for key, value in shown.items():
        ET.SubElement(properties, "property", name=key, value=str(value))
    for r in results:
        case = ET.SubElement(
            suite, "testcase", classname=f"rlspec.{r.section_key}", name=r.id, time=f"{r.seconds:.3f}"
        )
        if r.status in ("fail", "xfail_passed"):
            node = ET.SubElement(
                case, "failure", message=r.message, type=r.failure.kind if r.failure else "fail"
            )
            node.text = failure_text(r)
        elif r.status == "error":
            ET.SubElement(case, "error", message=r.message)
        elif r.status in ("not_implemented", "skipped", "known_deviation"):
            ET.SubElement(case, "skipped", message=r.message)
        else:
            out = ET.SubElement(case, "system-out")
            out.text = f"{r.examples} examples, peak {_units(r.peak)} units, mean {_units(r.mean)} units"
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def read_weights(path: Path) -> dict[str, float]:
    """A grading file: JSON {"glob": points, ...}; the first matching glob gives a formula's points
    (unmatched formulas: 1 point). A weight of 0 leaves the formula out of the score."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--weights {path}: {exc}") from None
    if not isinstance(raw, dict) or not all(isinstance(v, (int, float)) for v in raw.values()):
        raise UsageError(f'--weights {path}: expected a JSON object {{"glob": points}}')
    return {str(k): float(v) for k, v in raw.items()}


def weight(formula_id: str, weights: Mapping[str, float]) -> float:
    for pattern, points in weights.items():
        if fnmatch.fnmatchcase(formula_id, pattern):
            return points
    return 1.0


def write_gradescope(
    path: Path, results: Sequence[FormulaResult], meta: Mapping[str, Any], weights: Mapping[str, float]
) -> None:
    tests = []
    for r in results:
        points = weight(r.id, weights)
        if points == 0:
            continue
        if r.status == "pass":
            output = f"conforms on {r.examples} instances (peak error {_units(r.peak)} units)"
        elif r.status in ("not_implemented", "skipped"):
            output = r.message
        else:
            output = failure_text(r)
        tests.append(
            {
                "name": f"{r.id}: {r.formula.title}",
                "score": points if r.status == "pass" else 0.0,
                "max_score": points,
                "output": output,
                "visibility": "visible",
                "tags": [r.section_key],
            }
        )
    counts = summary(results)
    doc = {
        "score": sum(t["score"] for t in tests),  # type: ignore[misc]
        "output": f"rlspec conform ({profile_name(meta)}): {counts['pass']} of {len(results)} formulas"
        " conform",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
