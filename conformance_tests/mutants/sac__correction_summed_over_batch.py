"""One realistic bug: the tanh correction reduced over the whole batch instead of over the action
dimensions (a reduce_sum without its axis; PacktPublishing Tensorflow-2-Reinforcement-Learning-
Cookbook PR #46 fixes such a sum over the batch), so every sample gets the batch's correction."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.tanh_gaussian_log_prob",)


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> np.ndarray[Any, Any]:
    z = (u - mean) * np.exp(-log_std)
    gaussian = np.sum(-0.5 * z * z - log_std - 0.5 * np.log(2.0 * np.pi), axis=-1)
    correction = np.log(scale) + 2.0 * (np.log(2.0) - u - np.logaddexp(0.0, -2.0 * u))
    return np.asarray(gaussian - np.sum(correction))
