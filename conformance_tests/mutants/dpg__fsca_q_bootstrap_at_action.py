"""One realistic bug: Q^pi(s, a[s]) bootstrapped with the value of the given actions' policy,
V^{a}(s') (the array a evaluated as a policy in every state) instead of V^pi(s') of theta: the
action a is taken at every step, not only the first (the action array passed where the policy's
was meant)."""

from typing import Any

from rlspec.conformance_tests.examples.np_dpg import _reward, _transition, fsca_v
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("fsca.q",)


def fsca_q(gamma: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array, a: Array) -> Array:
    V = fsca_v(gamma, L, G, c, h, H, a)
    P = _transition(L, G, a)
    return (P * (_reward(c, h, H, a) + float(gamma) * V[None, :])).sum(axis=1)
