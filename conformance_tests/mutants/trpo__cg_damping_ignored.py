"""One realistic bug: conjugate gradient that ignores its damping argument (solves F x = g while
the caller asked for (F + damping I) x = g)."""

from typing import Any

from rlspec.conformance_tests.examples.np_trpo import trpo_conjugate_gradient as _cg
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.conjugate_gradient",)


def trpo_conjugate_gradient(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, iterations: Any, damping: Any
) -> Any:
    return _cg(P, R, gamma, mu, theta, iterations, 0.0)
