"""What checking one formula produces (FormulaResult, with a Failure when it does not conform),
and the run's exit status."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rlspec.conformance_tests.compare import Entry
from rlspec.spec.formula import Formula


@dataclass
class Failure:
    kind: str  # value, nan, shape, raised, bad_output, timeout, crashed, convention, error
    message: str
    entries: list[Entry] = field(default_factory=list)
    raw: dict[str, Any] | None = None
    instance_path: str | None = None
    repro_path: str | None = None
    units: float | None = None
    diagnoses: list[str] = field(default_factory=list)  # what the failure looks like
    expected: np.ndarray | None = None  # the failing instance's expected value (lecture meaning)
    got: np.ndarray | None = None  # and what the implementation returned


def tolerance_share(units: float, factor: float) -> float:
    """An error in units of eps * scale as a share of the tolerance (1 = at the tolerance); for
    an exact formula (factor 0) any error is infinitely many tolerances."""
    if factor > 0:
        return units / factor
    return 0.0 if units == 0 else math.inf


@dataclass(frozen=True)
class Checked:
    """One evaluated instance: its verdict kind, its error in tolerance units, its hard corner."""

    kind: str
    units: float
    corner: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


@dataclass
class FormulaResult:
    formula: Formula
    section_key: str
    status: str  # pass, fail, not_implemented, skipped (no stored case), error, known_deviation, xfail_passed
    examples: int = 0
    peak: float | None = None
    mean: float | None = None
    convention: str | None = None
    conventions: tuple[str, ...] = ()
    message: str = ""
    seconds: float = 0.0
    failure: Failure | None = None
    corners: tuple[str, ...] = ()  # the family's hard corners checked, in order
    instances: list[Checked] = field(default_factory=list)  # every evaluated instance

    @property
    def id(self) -> str:
        return self.formula.id


def exit_status(results: Sequence[FormulaResult]) -> int:
    """0 when at least one formula was checked and every checked formula passed or is a known
    deviation (conformance_tests/expectations.py), else 1."""
    implemented = [r for r in results if r.status not in ("not_implemented", "skipped")]
    if not implemented:
        return 1
    return 0 if all(r.status in ("pass", "known_deviation") for r in implemented) else 1
