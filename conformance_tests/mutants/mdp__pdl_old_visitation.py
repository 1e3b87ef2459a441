"""One realistic bug: the performance difference lemma with the old policy's visitation
d^{pi_t} (that is the TRPO surrogate, not V^{pi_new})."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_mdp import _policy
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("pg.performance_difference",)


def pg_performance_difference(
    P: Array, R: Array, gamma: float, mu: Array, theta: Array, theta_new: Array
) -> float:
    from rlspec.conformance_tests.examples import np_mdp

    d_old = np_mdp.mdp_visitation(P, gamma, mu, theta)
    adv = np_mdp.mdp_advantage(P, R, gamma, theta)
    gain = d_old @ np.sum(_policy(theta_new) * adv, axis=1)
    return float(np_mdp.pg_objective(P, R, gamma, mu, theta) + gain / (1.0 - gamma))
