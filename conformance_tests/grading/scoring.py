"""What one submission earned: per case (CaseResult), per formula (FormulaGrade), and how a
formula's points split between its visible and hidden cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from rlspec.conformance_tests.compare import Entry
from rlspec.conformance_tests.grading.cases import Case
from rlspec.conformance_tests.grading.config import FormulaSpec, GradingConfig
from rlspec.spec.formula import Formula


@dataclass
class CaseResult:
    case: Case
    passed: bool
    kind: str  # ok, value, nan, shape, raised, bad_output, exit, timeout, crashed, protocol, skipped
    message: str = ""
    units: float | None = None
    entries: list[Entry] = field(default_factory=list)
    seconds: float = 0.0
    violations: list[str] = field(default_factory=list)
    matched: tuple[str, ...] = ()  # the meanings (lecture, declared conventions) within tolerance


@dataclass
class FormulaGrade:
    formula: Formula
    section_key: str
    spec: FormulaSpec
    status: str  # pass, partial, fail, not_implemented, forbidden, import_error, error
    visible_max: Fraction = Fraction(0)
    hidden_max: Fraction = Fraction(0)
    visible_score: Fraction = Fraction(0)
    hidden_score: Fraction = Fraction(0)
    results: list[CaseResult] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    convention: str | None = None  # the meaning its passing cases share (formulas with conventions)
    hidden_refusals: int = 0  # operations the hook refused during hidden cases (counted, never shown)

    @property
    def id(self) -> str:
        return self.formula.id

    @property
    def score(self) -> Fraction:
        return self.visible_score + self.hidden_score

    def part(self, hidden: bool) -> list[CaseResult]:
        return [r for r in self.results if r.case.hidden == hidden]


def part_maxima(spec: FormulaSpec, cfg: GradingConfig) -> tuple[Fraction, Fraction]:
    """(points of the visible cases, points of the hidden cases) of one formula."""
    points = Fraction(str(spec.points))
    if spec.hidden == 0:
        return points, Fraction(0)
    if spec.visible == 0:
        return Fraction(0), points
    if cfg.hidden_share is None:
        visible = points * spec.visible / (spec.visible + spec.hidden)
    else:
        visible = points * (1 - Fraction(str(cfg.hidden_share)))
    return visible, points - visible


def earned(maximum: Fraction, passed: int, total: int, partial: bool) -> Fraction:
    if total == 0:
        return Fraction(0)
    if partial:
        return maximum * passed / total
    return maximum if passed == total else Fraction(0)
