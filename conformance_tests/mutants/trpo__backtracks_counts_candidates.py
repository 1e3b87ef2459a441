"""One realistic bug: an off-by-one in the reported number of backtracks: the line search counts the
candidates it evaluated (j + 1 for the accepted beta^j step, max_backtracks + 1 when none is
accepted) where the registry means the exponent j of the accepted step (0 for the full step) or -1.
The returned parameters are right."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_trpo import _gain, trpo_mean_kl, trpo_step
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.line_search_backtracks",)


def trpo_line_search_backtracks(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, beta: Any, max_backtracks: Any
) -> int:
    base = np.asarray(theta, dtype=np.float64)
    full = trpo_step(P, R, gamma, mu, theta, delta)
    tried = 0
    if not np.any(full):
        return tried
    for j in range(int(max_backtracks) + 1):
        tried += 1
        candidate = base + float(beta) ** j * full
        if _gain(P, R, gamma, mu, theta, candidate) > 0 and trpo_mean_kl(
            P, gamma, mu, theta, candidate
        ) <= float(delta):
            return tried
    return tried
