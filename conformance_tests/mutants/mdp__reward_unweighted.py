"""One realistic bug: the expected reward r(s,a) as the unweighted mean of R[s][a][:] over
next states, ignoring P(s'|s,a)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("mdp.q",)


def mdp_q(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    from rlspec.conformance_tests.examples import np_mdp

    v = np_mdp.mdp_v(P, R, gamma, theta)
    out: Array = R.mean(axis=2) + gamma * P @ v
    return out
