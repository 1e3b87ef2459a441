"""One realistic bug: the discounted visitation without its (1 - gamma) normalization
(sum_t gamma^t P(s_t = s), which sums to 1/(1 - gamma))."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_mdp import _policy
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("mdp.visitation",)


def mdp_visitation(P: Array, gamma: float, mu: Array, theta: Array) -> Array:
    p_pi = np.einsum("sa,sat->st", _policy(theta), P)
    d: Array = np.linalg.solve(np.eye(len(P)) - gamma * p_pi.T, mu)
    return d
