"""One realistic bug: the stationary distribution as mu P_pi^T for a large T (power
iteration), which does not converge on a periodic chain (the lecture means the Cesaro limit)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_mdp import _policy
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("mdp.stationary",)


def mdp_stationary(P: Array, mu: Array, theta: Array) -> Array:
    p_pi = np.einsum("sa,sat->st", _policy(theta), P)
    d = np.asarray(mu, dtype=np.float64)
    for _ in range(1001):
        d = d @ p_pi
    return d
