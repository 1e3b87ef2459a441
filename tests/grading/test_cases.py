"""The grader's cases (conformance_tests/grading/cases.py): no case whose grade a float64
rounding would decide."""

from __future__ import annotations

import pytest

from rlspec import spec
from rlspec.conformance_tests.grading.cases import GradingError, draw_cases
from rlspec.conformance_tests.grading.config import FormulaSpec
from rlspec.conformance_tests.sources import LiveOracle

BACKTRACKS = spec.formula("trpo.line_search_backtracks")


def _spec(actions: tuple[int, int]) -> FormulaSpec:
    options = {"states": (2, 3), "actions": actions, "unreachable": (0, 0)}
    return FormulaSpec(BACKTRACKS.id, 1.0, 2, 2, 3.0, options)


def test_a_tie_is_never_a_case() -> None:
    """With one action every candidate's gain is exactly 0, so any backtrack count is a correct
    float64 answer: such an instance cannot grade anything, and with only one action there is
    no other instance to draw."""
    with pytest.raises(GradingError, match="could not draw"):
        draw_cases(BACKTRACKS, _spec((1, 1)), 3, 2, False, LiveOracle(30))


def test_instances_with_several_actions_are_drawn() -> None:
    cases = draw_cases(BACKTRACKS, _spec((2, 3)), 3, 2, False, LiveOracle(30))
    assert len(cases) == 2
    assert all(len(case.raw["theta"][0]) >= 2 and not case.expected.alternatives for case in cases)
