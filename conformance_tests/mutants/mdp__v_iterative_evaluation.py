"""One realistic bug: V^pi by iterative policy evaluation, V <- r_pi + gamma P_pi V, stopped when the
largest change is below 1e-10 (the textbook "theta" threshold): the remaining error is about 1e-10
gamma / (1 - gamma), far above rounding when gamma is near 1."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("mdp.v",)


def mdp_v(P: Any, R: Any, gamma: float, theta: Any) -> Any:
    pi = np.exp(theta - theta.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    v = np.zeros(len(r_pi))
    for _ in range(100000):
        new = r_pi + gamma * p_pi @ v
        done = np.max(np.abs(new - v)) < 1e-10
        v = new
        if done:
            break
    return v
