"""One realistic bug: an off-by-one discount: returns discounted from t = 1
(sum_t gamma^(t+1) r_t), as when the discount is applied before the first reward is added."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_mdp import _policy
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("mdp.v",)


def mdp_v(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    pi = _policy(theta)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    v: Array = gamma * np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)
    return v
