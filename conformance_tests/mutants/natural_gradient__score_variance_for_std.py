"""One realistic bug: the Gaussian score with the variance used where the standard deviation is
meant (std = exp(2 log_std), i.e. log_std read as a log-variance in one place): z = (x - m) / sigma^2,
score = (z / sigma^2, z^2 - 1) instead of ((x - m) / sigma^2, (x - m)^2 / sigma^2 - 1)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dist.score_gaussian",)


def dist_score_gaussian(mean: Array, log_std: Array, x: Array) -> Array:
    std = np.exp(2.0 * log_std)
    z = (x - mean) / std
    return np.concatenate([z / std, z**2 - 1.0])
