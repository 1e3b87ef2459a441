"""One realistic bug: the tanh-Gaussian log-probability not summed over action dimensions, one
value per dimension (thu-ml/tianshou issue #40, "Missing sum over log_prob in SAC")."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.tanh_gaussian_log_prob",)


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> np.ndarray[Any, Any]:
    z = (u - mean) * np.exp(-log_std)
    gaussian = -0.5 * z * z - log_std - 0.5 * np.log(2.0 * np.pi)
    correction = np.log(scale) + 2.0 * (np.log(2.0) - u - np.logaddexp(0.0, -2.0 * u))
    return np.asarray(gaussian - correction)
