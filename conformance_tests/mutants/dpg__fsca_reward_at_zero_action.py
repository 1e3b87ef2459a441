"""One realistic bug: the reward evaluated at a = 0 (the reward model called without the policy's
action, so only c[s][s'] is kept and h . a - a^T H a is lost) while the transition does use
pi(s) = theta[s]; V^pi, V^pi(mu) and Q^pi(s, a) all inherit it."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_dpg import _transition
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("fsca.v", "fsca.value", "fsca.q")


def fsca_v(gamma: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array) -> Array:
    P = _transition(L, G, theta)
    r = (P * c).sum(axis=1)
    return np.linalg.solve(np.eye(len(r)) - float(gamma) * P, r)


def fsca_value(
    gamma: Array, mu: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array
) -> float:
    return float(mu @ fsca_v(gamma, L, G, c, h, H, theta))


def fsca_q(gamma: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array, a: Array) -> Array:
    V = fsca_v(gamma, L, G, c, h, H, theta)
    P = _transition(L, G, a)
    return (P * (c + float(gamma) * V[None, :])).sum(axis=1)
