"""One realistic bug: the LQR state-visitation covariance without the (1 - gamma) normalization,
sum_t gamma^t E[s_t s_t^T] (Fazel et al.'s Sigma_K) returned where the normalized measure's
second moment E_{s ~ d_mu}[s s^T] is meant."""

from typing import Any

from rlspec.conformance_tests.examples import np_dpg
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("lqr.visitation",)


def lqr_visitation(gamma: Array, A: Array, B: Array, W: Array, Sigma0: Array, K: Array) -> Array:
    return np_dpg.lqr_visitation(gamma, A, B, W, Sigma0, K) / (1.0 - float(gamma))
