"""One realistic bug: the transition softmax normalized over the wrong axis, softmax over s (axis 0,
the columns) instead of over the next state s' (axis 1), so P(.|s, a) is no longer a distribution
over s' (the classic `softmax(logits, dim=0)` slip); V^pi, V^pi(mu) and Q^pi inherit it."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_dpg import _reward
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("fsca.v", "fsca.value", "fsca.q")


def _transition(L: Array, G: Array, actions: Array) -> Array:
    logits = L + np.einsum("stm,sm->st", G, actions)
    logits = logits - logits.max(axis=0, keepdims=True)
    w = np.exp(logits)
    return w / w.sum(axis=0, keepdims=True)


def fsca_v(gamma: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array) -> Array:
    P = _transition(L, G, theta)
    r = (P * _reward(c, h, H, theta)).sum(axis=1)
    return np.linalg.solve(np.eye(len(r)) - float(gamma) * P, r)


def fsca_value(
    gamma: Array, mu: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array
) -> float:
    return float(mu @ fsca_v(gamma, L, G, c, h, H, theta))


def fsca_q(gamma: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array, a: Array) -> Array:
    V = fsca_v(gamma, L, G, c, h, H, theta)
    P = _transition(L, G, a)
    return (P * (_reward(c, h, H, a) + float(gamma) * V[None, :])).sum(axis=1)
