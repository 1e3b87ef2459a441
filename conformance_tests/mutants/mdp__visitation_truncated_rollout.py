"""One realistic bug: d_mu^pi as (1 - gamma) sum_{t < 1000} gamma^t mu^T P_pi^t, a rollout of 1000
steps: the missing tail is gamma^1000, 4e-5 at gamma = 0.99 and 0.37 at gamma = 0.999."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("mdp.visitation",)


def mdp_visitation(P: Any, gamma: float, mu: Any, theta: Any) -> Any:
    pi = np.exp(theta - theta.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    p_pi = np.einsum("sa,sat->st", pi, P)
    d, x = np.zeros(len(mu)), np.asarray(mu, dtype=np.float64)
    for t in range(1000):
        d += (1.0 - gamma) * gamma**t * x
        x = x @ p_pi
    return d
