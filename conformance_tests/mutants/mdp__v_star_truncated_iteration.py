"""One realistic bug: V* by a fixed number (100) of value-iteration sweeps, not converged
when gamma is close to 1."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("mdp.v_star",)


def mdp_v_star(P: Array, R: Array, gamma: float) -> Array:
    r = np.einsum("sat,sat->sa", P, R)
    v = np.zeros(len(P))
    for _ in range(100):
        v = (r + gamma * P @ v).max(axis=1)
    return v
