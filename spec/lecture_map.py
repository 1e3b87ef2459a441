"""The lecture map: every display equation of the lecture (the `$$...$$` blocks of
spec/lecture/policy-optimization-II.md, numbered 1..64 in order) -> the registry ids that
implement it, the property tests that check it, or the errata that correct it.

Each Section lists the rows of the equations it owns; this module aggregates them and computes
the coverage. An equation whose owning section has no module yet is "pending"; an equation of
an existing section without a row is "unmapped" (an error, see tests/spec/test_lecture_map.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rlspec import spec
from rlspec.spec.formula import EquationRow, Erratum, Section

LECTURE = Path(__file__).resolve().parent / "lecture" / "policy-optimization-II.md"
EQUATION_COUNT = 64

# Which section owns which display equation (the brief's table; a loaded section must declare
# exactly these in Section.equations).
OWNERSHIP: dict[str, tuple[int, ...]] = {
    "natural_gradient": tuple(range(1, 14)),
    "mdp": (14, 15, 23),
    "npg": tuple(range(16, 23)),
    "trpo": tuple(range(24, 30)),
    "ppo": (30, 31, 32),
    "dpg": tuple(range(33, 42)),
    "entropy": tuple(range(42, 64)),
    "sac": (64,),
    "blocks": (),
}
# Sections beyond the lecture: they own no display equation, and their titles say so.
BEYOND_LECTURE: tuple[str, ...] = ("blocks",)

_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)


def display_equations(text: str | None = None) -> list[str]:
    """The bodies of the lecture's display equations, in order (equation k is item k - 1)."""
    if text is None:
        text = LECTURE.read_text(encoding="utf-8")
    return [m.group(1).strip() for m in _DISPLAY.finditer(text)]


def owner(number: int) -> str:
    for key, numbers in OWNERSHIP.items():
        if number in numbers:
            return key
    raise KeyError(number)


@dataclass(frozen=True)
class MappedRow:
    section: str  # the section key that lists the row
    row: EquationRow


def rows() -> list[MappedRow]:
    """Every section's rows, in equation order."""
    out = [MappedRow(s.key, r) for s in spec.sections() for r in s.lecture_map]
    return sorted(out, key=lambda m: (m.row.number, m.section))


def errata() -> list[Erratum]:
    return [e for s in spec.sections() for e in s.errata]


@dataclass(frozen=True)
class Coverage:
    mapped: tuple[int, ...]  # equations with at least one row
    pending: tuple[int, ...]  # owned by a section whose module does not exist yet
    unmapped: tuple[int, ...]  # owned by an existing section, but no row
    total: int = EQUATION_COUNT

    @property
    def figure(self) -> str:
        return f"{len(self.mapped)}/{self.total}"


def loaded_sections() -> dict[str, Section]:
    return {s.key: s for s in spec.sections()}


def coverage() -> Coverage:
    loaded = loaded_sections()
    mapped = sorted({m.row.number for m in rows()})
    pending, unmapped = [], []
    for number in range(1, EQUATION_COUNT + 1):
        if number in mapped:
            continue
        if owner(number) in loaded:
            unmapped.append(number)
        else:
            pending.append(number)
    return Coverage(tuple(mapped), tuple(pending), tuple(unmapped))


def describe_target(target: str) -> str:
    """'test', 'formula' or 'erratum' (by form: tests are 'path::name', formulas 'a.b')."""
    if "::" in target:
        return "test"
    if target in {e.id for e in errata()}:
        return "erratum"
    return "formula"
