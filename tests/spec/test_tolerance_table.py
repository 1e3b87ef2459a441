"""CONFORMANCE.md's measured-tolerance table (benchmarks/tolerances.py --write) is current: every
registered formula has a row, with the registry's tolerance factor and class, a ratio tolerance /
worst correct error of at most 100, and no false rejection of a correct implementation."""

from __future__ import annotations

import re
from pathlib import Path

from rlspec import spec
from rlspec.spec.render import region

DOC = Path(__file__).resolve().parents[2] / "CONFORMANCE.md"
ROW = re.compile(r"^\| `([^`]+)` \| ([^ |]+) \| ([^ |]+) \| [^|]+ \| ([^ |]+) \| (\d+) of (\d+) \|$", re.M)


def _rows() -> dict[str, tuple[float, str, str, int, int]]:
    text = region(DOC.read_text(encoding="utf-8"), "tolerance-measurement")
    assert text is not None, "CONFORMANCE.md lacks its tolerance-measurement region"
    return {m[0]: (float(m[1]), m[2], m[3], int(m[4]), int(m[5])) for m in ROW.findall(text)}


def test_every_formula_is_measured_with_its_current_tolerance() -> None:
    rows = _rows()
    stale = []
    for f in spec.formulas():
        row = rows.get(f.id)
        if row is None or (row[0], row[1]) != (f.tolerance.factor, f.tolerance.name):
            stale.append(f.id)
    assert not stale, f"re-run benchmarks/tolerances.py --write: stale or missing rows for {stale}"


def test_tolerances_are_at_most_100_times_the_worst_correct_error_and_never_reject() -> None:
    for formula_id, (_, _, ratio, rejections, runs) in _rows().items():
        assert runs > 0 and rejections == 0, formula_id
        assert ratio == "exact" or float(ratio) <= 100, (formula_id, ratio)
