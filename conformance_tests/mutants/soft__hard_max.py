"""One realistic bug: the hard Bellman max used in the soft optimality operators,
max_a Q(s,a) instead of lambda log sum_a exp(Q(s,a)/lambda) (the entropy term of the optimal
value forgotten; it only agrees as lambda -> 0 or with a single action)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("soft.t_opt", "soft.f_opt", "soft.v_star", "soft.q_star")


def _q_from_v(P: Array, R: Array, gamma: Array, V: Array) -> Array:
    return np.einsum("sat,sat->sa", P, R) + gamma * (P @ V)


def soft_t_opt(P: Array, R: Array, gamma: Array, lam: Array, V: Array) -> Array:
    return np.max(_q_from_v(P, R, gamma, V), axis=1)


def soft_f_opt(P: Array, R: Array, gamma: Array, lam: Array, Q: Array) -> Array:
    return _q_from_v(P, R, gamma, np.max(Q, axis=1))


def soft_v_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    n = P.shape[0]
    actions = np.zeros(n, dtype=int)
    for _ in range(1000):
        p_pi = P[np.arange(n), actions]
        r_pi = np.einsum("st,st->s", p_pi, R[np.arange(n), actions])
        V = np.linalg.solve(np.eye(n) - gamma * p_pi, r_pi)
        better = np.argmax(_q_from_v(P, R, gamma, V), axis=1)
        if np.array_equal(better, actions):
            break
        actions = better
    return V


def soft_q_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    return _q_from_v(P, R, gamma, soft_v_star(P, R, gamma, lam))
