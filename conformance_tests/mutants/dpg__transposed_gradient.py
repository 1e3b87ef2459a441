"""One realistic bug: the gradient in K returned transposed, [n][m] instead of K's own [m][n]
(grad_a Q s^T written as s grad_a Q^T, e.g. from an outer product with its arguments swapped)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import np_dpg
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dpg.gradient",)


def dpg_gradient(
    gamma: Array, A: Array, B: Array, Q: Array, R: Array, W: Array, Sigma0: Array, K: Array
) -> Array:
    return np.transpose(np_dpg.dpg_gradient(gamma, A, B, Q, R, W, Sigma0, K))
