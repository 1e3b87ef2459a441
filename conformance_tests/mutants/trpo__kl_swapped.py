"""One realistic bug: the KL divergences with their arguments swapped, KL(pi_new || pi_t) instead
of the lecture's KL(pi_t || pi_new) (torch.distributions.kl_divergence(new, old))."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _visitation
from rlspec.conformance_tests.examples.np_trpo import _kl_rows, trpo_surrogate
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.mean_kl", "trpo.max_kl", "trpo.lower_bound")


def trpo_mean_kl(P: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    return float(_visitation(P, gamma, mu, theta) @ _kl_rows(theta_new, theta))


def trpo_max_kl(theta: Any, theta_new: Any) -> float:
    return float(np.max(_kl_rows(theta_new, theta)))


def trpo_lower_bound(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    g = float(gamma)
    eps_t = float(np.max(np.abs(_advantage(P, R, gamma, theta))))
    penalty = 2.0 * g * eps_t / (1.0 - g) ** 2 * trpo_max_kl(theta, theta_new)
    return trpo_surrogate(P, R, gamma, mu, theta, theta_new) - penalty
