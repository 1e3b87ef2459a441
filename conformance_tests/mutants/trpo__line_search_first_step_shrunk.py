"""One realistic bug: an off-by-one in the backtracking exponent: the step is shrunk before the first
test (`step *= beta` at the top of the loop), so the candidates are theta + beta^(j+1) s and the
full natural step s is never tried; the reported count is the loop index j."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_trpo import _gain, trpo_mean_kl, trpo_step
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.line_search", "trpo.line_search_backtracks")


def _line_search(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, beta: Any, max_backtracks: Any
) -> tuple[Any, int]:
    base = np.asarray(theta, dtype=np.float64)
    step = trpo_step(P, R, gamma, mu, theta, delta)
    if not np.any(step):
        return base, -1
    for j in range(int(max_backtracks) + 1):
        step = float(beta) * step
        candidate = base + step
        if _gain(P, R, gamma, mu, theta, candidate) > 0 and trpo_mean_kl(
            P, gamma, mu, theta, candidate
        ) <= float(delta):
            return candidate, j
    return base, -1


def trpo_line_search(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, beta: Any, max_backtracks: Any
) -> Any:
    return _line_search(P, R, gamma, mu, theta, delta, beta, max_backtracks)[0]


def trpo_line_search_backtracks(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, beta: Any, max_backtracks: Any
) -> int:
    return _line_search(P, R, gamma, mu, theta, delta, beta, max_backtracks)[1]
