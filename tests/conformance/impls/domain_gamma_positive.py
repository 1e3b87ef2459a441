"""A library that requires gamma > 0 (as pymdptoolbox asserts) and declares it: the suite must
not draw gamma = 0 (the tabular family's gamma_zero corner) for its formulas. mdp_q declares a
narrower domain of its own, gamma in (0.5, 1)."""

from typing import Any

from rlspec.conformance_tests.examples.np_mdp import mdp_q as _mdp_q
from rlspec.conformance_tests.examples.np_mdp import mdp_v as _mdp_v

RLSPEC_DOMAINS = {"gamma": (0, 1)}


def mdp_v(P: Any, R: Any, gamma: Any, theta: Any) -> Any:
    assert gamma > 0, "discount must be in (0, 1]"
    return _mdp_v(P, R, gamma, theta)


def mdp_q(P: Any, R: Any, gamma: Any, theta: Any) -> Any:
    assert gamma > 0.5, "this one only works for long horizons"
    return _mdp_q(P, R, gamma, theta)


mdp_q.rlspec_domains = {"gamma": (0.5, None)}  # type: ignore[attr-defined]
