"""One realistic bug: log-sum-exp and softmax without the max shift, lam * log(sum(exp(Q / lam))):
exp overflows to inf (or underflows to 0, log(0) = -inf) as soon as |Q| / lam exceeds ~709,
i.e. at small temperatures or with large values (soft V* at gamma near 1)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

# soft.t_opt and soft.greedy_policy share the bug but their sampled inputs (|V|, |Q| ~ 1, lambda >= 1e-3)
# rarely reach exp's range; the fixed points (values ~ |R| / (1 - gamma)) overflow reliably.
Array = Any
KILLS = ("soft.f_opt", "soft.v_star", "soft.q_star", "soft.policy_star")


def _soft_max(Q: Array, lam: Array) -> Array:
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return lam * np.log(np.sum(np.exp(Q / lam), axis=1))


def _greedy(Q: Array, lam: Array) -> Array:
    with np.errstate(over="ignore", invalid="ignore"):
        w = np.exp(Q / lam)
        return w / np.sum(w, axis=1, keepdims=True)


def _q_from_v(P: Array, R: Array, gamma: Array, V: Array) -> Array:
    return np.einsum("sat,sat->sa", P, R) + gamma * (P @ V)


def soft_t_opt(P: Array, R: Array, gamma: Array, lam: Array, V: Array) -> Array:
    return _soft_max(_q_from_v(P, R, gamma, V), lam)


def soft_f_opt(P: Array, R: Array, gamma: Array, lam: Array, Q: Array) -> Array:
    return _q_from_v(P, R, gamma, _soft_max(Q, lam))


def soft_greedy_policy(Q: Array, lam: Array) -> Array:
    return _greedy(Q, lam)


def soft_v_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    V = np.zeros(P.shape[0])
    for _ in range(100_000):
        new = soft_t_opt(P, R, gamma, lam, V)
        if not np.all(np.isfinite(new)) or np.max(np.abs(new - V)) <= 1e-15 * (1 + np.max(np.abs(V))):
            return new
        V = new
    return V


def soft_q_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    return _q_from_v(P, R, gamma, soft_v_star(P, R, gamma, lam))


def soft_policy_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    return _greedy(soft_q_star(P, R, gamma, lam), lam)
