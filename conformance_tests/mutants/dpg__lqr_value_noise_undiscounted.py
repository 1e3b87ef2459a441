"""One realistic bug: the LQR value with the noise term 1/(1-gamma) tr(P_K W) instead of
gamma/(1-gamma) tr(P_K W): the noise counted from t = 0, as if s_0 also received a noise draw on
top of s_0 ~ N(0, Sigma0) (the first transition's noise only enters V from the second reward on)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import np_dpg
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("lqr.value",)


def lqr_value(
    gamma: Array, A: Array, B: Array, Q: Array, R: Array, W: Array, Sigma0: Array, K: Array
) -> float:
    g = float(gamma)
    P = np_dpg._p(gamma, A, B, Q, R, K)
    return float(-(np.trace(P @ Sigma0) + np.trace(P @ W) / (1 - g)))
