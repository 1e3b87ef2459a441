"""One realistic bug: the gradient of x^T H x taken as 2 H x, which assumes H symmetric (the
family's H is any matrix; the gradient is (H + H^T) x)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dist.gradient_gaussian",)


def dist_gradient_gaussian(mean: Array, log_std: Array, c: float, b: Array, H: Array) -> Array:
    var = np.exp(2.0 * log_std)
    return np.concatenate([b + 2.0 * H @ mean, 2.0 * np.diag(H) * var])
