"""One realistic bug: softmax without its normalization (exp(theta) used as the policy)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("mdp.v",)


def mdp_v(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    pi = np.exp(theta)  # not divided by sum_a exp(theta[s][a])
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    v: Array = np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)
    return v
