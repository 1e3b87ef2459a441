"""One realistic bug: the natural direction without the factor 1/(1 - gamma), i.e. omega* (the
compatible regression's weights) used as F^+ grad V (eq 19 read as F^+ grad V = omega*)."""

from typing import Any

from rlspec.conformance_tests.examples.np_npg import npg_compatible_regression
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.direction",)


def npg_direction(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    return npg_compatible_regression(P, R, gamma, mu, theta)
