"""One realistic bug: the Gaussian policy's entropy taken as sum_j log std_j, dropping the constant
(m/2) (1 + log 2 pi) of H(N(mean, diag std^2)) ("the entropy up to a constant": the gradient is
unchanged, but the loss, and every value logged or compared with it, is off by alpha m/2 (1 + log
2 pi))."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_sac import _quadratic
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("sac.policy_objective",)


def sac_policy_objective(mean: Array, log_std: Array, b: Array, c: Array, H: Array, alpha: float) -> Array:
    first = mean - c
    second = first * first + np.exp(2.0 * log_std)
    return np.asarray(-alpha * np.sum(log_std, axis=-1) - b + _quadratic(H, first, second))
