"""One realistic bug: the KL terms computed after the old policy's parameters were overwritten by
the new ones (the "old" network shares the updated weights), so KL(pi_t || pi_new) is always 0:
no trust region, and the lower bound collapses to the surrogate."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _visitation
from rlspec.conformance_tests.examples.np_trpo import _kl_rows, trpo_surrogate
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.mean_kl", "trpo.max_kl", "trpo.lower_bound")


def trpo_mean_kl(P: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    old = np.asarray(theta_new, dtype=np.float64)  # overwritten
    return float(_visitation(P, gamma, mu, theta) @ _kl_rows(old, theta_new))


def trpo_max_kl(theta: Any, theta_new: Any) -> float:
    old = np.asarray(theta_new, dtype=np.float64)  # overwritten
    return float(np.max(_kl_rows(old, theta_new)))


def trpo_lower_bound(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    return trpo_surrogate(P, R, gamma, mu, theta, theta_new) - 0.0 * trpo_max_kl(theta, theta_new)
