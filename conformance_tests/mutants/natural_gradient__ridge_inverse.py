"""One realistic bug: the singular categorical Fisher "inverted" with a small ridge,
(F + 1e-4 I)^{-1} grad J, instead of its pseudo-inverse (the damping that conjugate-gradient
TRPO/NPG code adds, here leaking into the direction and the step)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dist.natural_direction_categorical", "dist.natural_step_categorical")
RIDGE = 1e-4


def _direction(theta: Array, f: Array) -> tuple[Array, Array]:
    z = np.exp(theta - np.max(theta))
    p = z / np.sum(z)
    g = p * (f - p @ f)
    F = np.diag(p) - np.outer(p, p)
    return g, np.linalg.inv(F + RIDGE * np.eye(p.size)) @ g


def dist_natural_direction_categorical(theta: Array, f: Array) -> Array:
    return _direction(theta, f)[1]


def dist_natural_step_categorical(theta: Array, f: Array, alpha: float) -> Array:
    if np.all(f == f[0]):
        return np.zeros_like(f)
    g, d = _direction(theta, f)
    return np.sqrt(2.0 * alpha / (g @ d)) * d
