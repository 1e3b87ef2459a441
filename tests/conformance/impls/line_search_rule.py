"""The bundled example's TRPO line search without its special case of a zero step: it follows the
registry's rule literally (accept the first j with a strict gain and mean KL <= delta), so with
one action (exact gain 0) it decides on float64 rounding of the gain. A correct float64
implementation: the suite must accept what it returns (oracle/margins.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_trpo import _gain, trpo_mean_kl, trpo_step


def _search(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, beta: Any, max_backtracks: Any
) -> tuple[Any, int]:
    base = np.asarray(theta, dtype=np.float64)
    full = trpo_step(P, R, gamma, mu, theta, delta)
    for j in range(int(max_backtracks) + 1):
        candidate = base + float(beta) ** j * full
        gain = _gain(P, R, gamma, mu, theta, candidate)
        if gain > 0 and trpo_mean_kl(P, gamma, mu, theta, candidate) <= float(delta):
            return candidate, j
    return base, -1


def trpo_line_search(*args: Any) -> Any:
    return _search(*args)[0]


def trpo_line_search_backtracks(*args: Any) -> int:
    return _search(*args)[1]
