"""One realistic bug: the policy gradient without its 1/(1 - gamma) factor (the
normalization of the discounted visitation forgotten when d is used as a probability)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_mdp import _policy
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("pg.gradient",)


def _advantage(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    pi = _policy(theta)
    v = np.linalg.solve(
        np.eye(len(P)) - gamma * np.einsum("sa,sat->st", pi, P), np.einsum("sa,sat,sat->s", pi, P, R)
    )
    out: Array = np.einsum("sat,sat->sa", P, R) + gamma * P @ v - v[:, None]
    return out


def pg_gradient(P: Array, R: Array, gamma: float, mu: Array, theta: Array) -> Array:
    p_pi = np.einsum("sa,sat->st", _policy(theta), P)
    d = np.linalg.solve(np.eye(len(P)) - gamma * p_pi.T, (1.0 - gamma) * mu)
    out: Array = d[:, None] * _policy(theta) * _advantage(P, R, gamma, theta)  # missing / (1 - gamma)
    return out
