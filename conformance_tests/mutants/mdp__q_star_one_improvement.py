"""One realistic bug: Q* as the Q of the one-step greedy policy of V^{uniform} (one round of
policy improvement, no iteration)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("mdp.q_star",)


def mdp_q_star(P: Array, R: Array, gamma: float) -> Array:
    from rlspec.conformance_tests.examples import np_mdp

    n, a = P.shape[:2]
    v_uniform = np_mdp.mdp_v(P, R, gamma, np.zeros((n, a)))
    q = np.einsum("sat,sat->sa", P, R) + gamma * P @ v_uniform
    greedy = np.where(q == q.max(axis=1, keepdims=True), 30.0, 0.0)
    return np.asarray(np_mdp.mdp_q(P, R, gamma, greedy))
