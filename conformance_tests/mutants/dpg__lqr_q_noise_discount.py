"""One realistic bug: Q^K(s, a) with the noise term of V^K(s') read as gamma/(1-gamma) tr(P W)
instead of the 1/(1-gamma) tr(P W) of E_w[V(A s + B a + w)] (forgetting the noise w of the first
transition, which V's constant does not include)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import np_dpg
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("lqr.q",)


def lqr_q(
    gamma: Array, A: Array, B: Array, Q: Array, R: Array, W: Array, K: Array, s: Array, a: Array
) -> float:
    g = float(gamma)
    P = np_dpg._p(gamma, A, B, Q, R, K)
    y = A @ s + B @ a
    return float(-(s @ Q @ s + a @ R @ a) - g * (y @ P @ y + g / (1 - g) * np.trace(P @ W)))
