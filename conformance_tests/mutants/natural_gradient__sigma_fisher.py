"""One realistic bug: the Gaussian Fisher of the standard-deviation coordinate taken as 2 / sigma^2
(the Fisher for theta = (m, sigma)) while the parameter is log sigma (whose Fisher is 2), a
parameterization mix-up; the natural direction inherits it."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_natural_gradient import dist_gradient_gaussian
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dist.fisher_gaussian", "dist.natural_direction_gaussian")


def dist_fisher_gaussian(mean: Array, log_std: Array) -> Array:
    var = np.exp(2.0 * log_std)
    return np.diag(np.concatenate([1.0 / var, 2.0 / var]))


def dist_natural_direction_gaussian(mean: Array, log_std: Array, c: float, b: Array, H: Array) -> Array:
    return np.linalg.solve(
        dist_fisher_gaussian(mean, log_std), dist_gradient_gaussian(mean, log_std, c, b, H)
    )
