"""One realistic bug: the KL arguments swapped, KL(P_theta_new || P_theta) instead of
KL(P_theta || P_theta_new) (the "reverse" KL: the expectation taken under the new distribution)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dist.kl_categorical", "dist.kl_gaussian")


def _log_softmax(theta: Array) -> Array:
    t = theta - np.max(theta)
    return t - np.log(np.sum(np.exp(t)))


def dist_kl_categorical(theta: Array, theta_new: Array) -> float:
    lp, lq = _log_softmax(theta), _log_softmax(theta_new)
    return float(np.exp(lq) @ (lq - lp))


def dist_kl_gaussian(mean: Array, log_std: Array, mean_new: Array, log_std_new: Array) -> float:
    var = np.exp(2.0 * log_std)
    ratio = np.exp(2.0 * (log_std_new - log_std))
    terms = log_std - log_std_new + 0.5 * (ratio - 1.0) + (mean - mean_new) ** 2 / (2.0 * var)
    return float(np.sum(terms))
