"""One realistic bug: the natural step scaled by 2 alpha / (g^T F^+ g) instead of its square root,
so d*^T F d* = (2 alpha)^2 / (g^T F^+ g) rather than 2 alpha."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_natural_gradient import (
    dist_gradient_categorical,
    dist_gradient_gaussian,
    dist_natural_direction_categorical,
    dist_natural_direction_gaussian,
)
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dist.natural_step_categorical", "dist.natural_step_gaussian")


def dist_natural_step_categorical(theta: Array, f: Array, alpha: float) -> Array:
    if np.all(f == f[0]):
        return np.zeros_like(f)
    g = dist_gradient_categorical(theta, f)
    d = dist_natural_direction_categorical(theta, f)
    return 2.0 * alpha / (g @ d) * d


def dist_natural_step_gaussian(
    mean: Array, log_std: Array, c: float, b: Array, H: Array, alpha: float
) -> Array:
    g = dist_gradient_gaussian(mean, log_std, c, b, H)
    if not np.any(g):
        return np.zeros_like(g)
    d = dist_natural_direction_gaussian(mean, log_std, c, b, H)
    return 2.0 * alpha / (g @ d) * d
