"""One realistic bug: the backtracking line search of the TRPO reference code: a candidate is accepted
when the actual improvement is at least accept_ratio = 0.1 of the improvement the linear model
predicts (and the KL is within delta), not merely positive: a step whose gain is positive but small
against the linear prediction is rejected and the search backtracks further."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_trpo import _gain, trpo_mean_kl, trpo_step, trpo_surrogate_linear
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.line_search_backtracks",)
EXAMPLES = 40  # the instances that expose it are rare: 20 draws miss it on seed 0


def _search(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, beta: Any, max_backtracks: Any
) -> tuple[Any, int]:
    base = np.asarray(theta, dtype=np.float64)
    full = trpo_step(P, R, gamma, mu, theta, delta)
    if not np.any(full):
        return base, -1
    expected = trpo_surrogate_linear(P, R, gamma, mu, theta, base + full)
    for j in range(int(max_backtracks) + 1):
        candidate = base + float(beta) ** j * full
        gain = _gain(P, R, gamma, mu, theta, candidate)
        if gain > 0.1 * expected * float(beta) ** j and trpo_mean_kl(P, gamma, mu, theta, candidate) <= float(
            delta
        ):
            return candidate, j
    return base, -1


def trpo_line_search(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, beta: Any, max_backtracks: Any
) -> Any:
    return _search(P, R, gamma, mu, theta, delta, beta, max_backtracks)[0]


def trpo_line_search_backtracks(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, beta: Any, max_backtracks: Any
) -> int:
    return _search(P, R, gamma, mu, theta, delta, beta, max_backtracks)[1]
