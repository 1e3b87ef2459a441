"""One realistic bug: V^K from the Lyapunov equation solved by fixed-point iteration P <- Q + K^T R K +
gamma M^T P M, stopped when no entry changes by more than 1e-10: slow convergence (rate gamma
rho(M)^2) leaves a large error when the closed loop is nearly unstable."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("lqr.value",)


def lqr_value(gamma: Any, A: Any, B: Any, Q: Any, R: Any, W: Any, Sigma0: Any, K: Any) -> float:
    g = float(gamma)
    M = A + B @ K
    Y = Q + K.T @ R @ K
    P = Y.copy()
    for _ in range(100000):
        new = Y + g * M.T @ P @ M
        done = np.max(np.abs(new - P)) < 1e-10
        P = new
        if done:
            break
    return float(-(np.trace(P @ Sigma0) + g / (1 - g) * np.trace(P @ W)))
