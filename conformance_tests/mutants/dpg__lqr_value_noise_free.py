"""One realistic bug: the LQR value without the process noise's term, V^K(mu) = -tr(P_K Sigma0)
(the noise-free formula, as in Fazel et al.'s deterministic setting), dropping
-gamma/(1-gamma) tr(P_K W), the discounted cost the noise w_t adds at every later step."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import np_dpg
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("lqr.value",)


def lqr_value(
    gamma: Array, A: Array, B: Array, Q: Array, R: Array, W: Array, Sigma0: Array, K: Array
) -> float:
    P = np_dpg._p(gamma, A, B, Q, R, K)
    return float(-np.trace(P @ Sigma0))
