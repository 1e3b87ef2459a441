"""One realistic bug: the natural step solving d^T F d <= alpha instead of <= 2 alpha, i.e. reading
the KL budget alpha as a budget on the quadratic form without the 1/2 of KL ~ d^T F d / 2:
d = sqrt(alpha / g^T F^+ g) F^+ g, 1/sqrt(2) times too short."""

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
    return np.sqrt(alpha / (g @ d)) * d


def dist_natural_step_gaussian(
    mean: Array, log_std: Array, c: float, b: Array, H: Array, alpha: float
) -> Array:
    g = dist_gradient_gaussian(mean, log_std, c, b, H)
    if not np.any(g):
        return np.zeros_like(g)
    d = dist_natural_direction_gaussian(mean, log_std, c, b, H)
    return np.sqrt(alpha / (g @ d)) * d
