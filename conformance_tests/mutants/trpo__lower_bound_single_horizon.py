"""One realistic bug: the lower bound's penalty with 2 gamma eps_t / (1 - gamma) instead of
2 gamma eps_t / (1 - gamma)^2 (one horizon factor lost)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage
from rlspec.conformance_tests.examples.np_trpo import trpo_max_kl, trpo_surrogate
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.lower_bound",)


def trpo_lower_bound(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    g = float(gamma)
    eps_t = float(np.max(np.abs(_advantage(P, R, gamma, theta))))
    penalty = 2.0 * g * eps_t / (1.0 - g) * trpo_max_kl(theta, theta_new)
    return trpo_surrogate(P, R, gamma, mu, theta, theta_new) - penalty
