"""One realistic bug: the linear model of the surrogate with the policy gradient missing its factor
1/(1 - gamma), sum_s d_t(s) sum_a pi_t (theta_new - theta) A_t (the normalized visitation used as a
probability and the horizon factor dropped, as in sample-based TRPO code that averages over states)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.surrogate_linear",)


def trpo_surrogate_linear(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    d = _visitation(P, gamma, mu, theta)
    grad = d[:, None] * _policy(theta) * _advantage(P, R, gamma, theta)
    step = np.asarray(theta_new, dtype=np.float64) - np.asarray(theta, dtype=np.float64)
    return float(np.sum(grad * step))
