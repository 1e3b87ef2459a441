"""One realistic bug: the entropy bonus added with the wrong sign (r + lambda log pi instead of
r - lambda log pi), i.e. an entropy *penalty*; a classic slip when a loss (to minimize) is turned
into a reward (to maximize)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("soft.reward", "soft.v_pi", "soft.q_pi", "soft.objective")


def _log_policy(theta: Array) -> Array:
    z = theta - np.max(theta, axis=1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))


def soft_reward(R: Array, theta: Array, lam: Array) -> Array:
    return R + lam * _log_policy(theta)[:, :, None]


def soft_v_pi(P: Array, R: Array, gamma: Array, theta: Array, lam: Array) -> Array:
    lp = _log_policy(theta)
    pi = np.exp(lp)
    r_pi = np.sum(pi * (np.einsum("sat,sat->sa", P, R) + lam * lp), axis=1)
    p_pi = np.einsum("sa,sat->st", pi, P)
    return np.linalg.solve(np.eye(len(r_pi)) - gamma * p_pi, r_pi)


def soft_q_pi(P: Array, R: Array, gamma: Array, theta: Array, lam: Array) -> Array:
    return np.einsum("sat,sat->sa", P, R) + gamma * (P @ soft_v_pi(P, R, gamma, theta, lam))


def soft_objective(P: Array, R: Array, gamma: Array, mu: Array, theta: Array, lam: Array) -> Array:
    return mu @ soft_v_pi(P, R, gamma, theta, lam)
