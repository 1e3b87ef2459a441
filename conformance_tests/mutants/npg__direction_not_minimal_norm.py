"""One realistic bug: A / (1 - gamma) returned as F^+ grad V. It solves F x = grad V (eq 21: any
A + c_s does), but it is not the l2-minimal solution: each visited state's row keeps its mean,
and states mu never reaches (a zero Fisher block) get nonzero entries."""

from typing import Any

from rlspec.conformance_tests.examples.np_npg import _advantage
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.direction", "npg.compatible_regression")


def npg_direction(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    return _advantage(P, R, gamma, theta) / (1.0 - float(gamma))


def npg_compatible_regression(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    return _advantage(P, R, gamma, theta)
