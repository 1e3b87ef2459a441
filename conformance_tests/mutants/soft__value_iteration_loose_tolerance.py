"""One realistic bug: soft value iteration stopped at a fixed tolerance, `while max|V_new - V| > 1e-8`
(the usual tutorial loop): the error left is up to 1e-8 gamma / (1 - gamma), far above what float64
achieves with an exact evaluation (soft policy iteration)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_entropy import soft_greedy_policy, soft_t_opt
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("soft.v_star", "soft.q_star")


def soft_v_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    V = np.zeros(P.shape[0])
    for _ in range(1_000_000):
        new = soft_t_opt(P, R, gamma, lam, V)
        if np.max(np.abs(new - V)) <= 1e-8:
            return new
        V = new
    return V


def soft_q_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    V = soft_v_star(P, R, gamma, lam)
    return np.einsum("sat,sat->sa", P, R) + gamma * (P @ V)


def soft_policy_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    return soft_greedy_policy(soft_q_star(P, R, gamma, lam), lam)
