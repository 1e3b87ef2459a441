"""One realistic bug: the stationary distribution of P_pi (power iteration) where the
discounted visitation d_mu^pi is meant."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_mdp import _policy
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("mdp.visitation",)


def mdp_visitation(P: Array, gamma: float, mu: Array, theta: Array) -> Array:
    p_pi = np.einsum("sa,sat->st", _policy(theta), P)
    d = np.asarray(mu, dtype=np.float64)
    for _ in range(2000):
        d = d @ p_pi
    return d
