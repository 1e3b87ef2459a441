"""One realistic bug: Q^pi with the policy's transition matrix P_pi formed in float32 (a float32 policy
tensor times the float64 P), the solve and everything else in float64: errors of float32 size
amplified by 1/(1 - gamma)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("mdp.q",)


def mdp_q(P: Any, R: Any, gamma: float, theta: Any) -> Any:
    pi = np.exp(theta - theta.max(axis=1, keepdims=True))
    pi = (pi / pi.sum(axis=1, keepdims=True)).astype(np.float32)
    p_pi = np.einsum("sa,sat->st", pi, P.astype(np.float32)).astype(np.float64)
    r_pi = np.einsum("sa,sat,sat->s", pi.astype(np.float64), P, R)
    v = np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)
    return np.einsum("sat,sat->sa", P, R) + gamma * P @ v
