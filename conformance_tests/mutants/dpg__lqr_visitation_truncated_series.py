"""One realistic bug: the second moment of the discounted visitation summed over 200 steps, sum_{t <
200} gamma^t M^t X0 (M^T)^t with X0 = (1 - gamma) Sigma0 + gamma W: right when gamma rho(M)^2 is
well below 1, short of the limit when the loop is slow or gamma near 1."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("lqr.visitation",)


def lqr_visitation(gamma: Any, A: Any, B: Any, W: Any, Sigma0: Any, K: Any) -> Any:
    g = float(gamma)
    M = A + B @ K
    term = (1 - g) * Sigma0 + g * W
    total = np.zeros_like(term)
    for _ in range(200):
        total += term
        term = g * M @ term @ M.T
    return total
