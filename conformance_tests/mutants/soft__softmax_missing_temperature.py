"""One realistic bug: the soft greedy policy computed as softmax(Q) instead of softmax(Q / lambda)
(the temperature dropped from the softmax; it only agrees at lambda = 1)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_entropy import soft_q_star
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("soft.greedy_policy", "soft.policy_star", "soft.policy_iteration")


def soft_greedy_policy(Q: Array, lam: Array) -> Array:
    w = np.exp(Q - np.max(Q, axis=1, keepdims=True))
    return w / np.sum(w, axis=1, keepdims=True)


def soft_policy_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    return soft_greedy_policy(soft_q_star(P, R, gamma, lam), lam)


def soft_policy_iteration(P: Array, R: Array, gamma: Array, theta: Array, lam: Array, k: Array) -> Array:
    z = theta - np.max(theta, axis=1, keepdims=True)
    pi = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
    lam_log_pi = lam * np.log(pi)
    r = np.einsum("sat,sat->sa", P, R)
    for _ in range(int(k)):
        r_pi = np.sum(pi * (r - lam_log_pi), axis=1)
        V = np.linalg.solve(np.eye(len(r_pi)) - gamma * np.einsum("sa,sat->st", pi, P), r_pi)
        pi = soft_greedy_policy(r + gamma * (P @ V), lam)
        lam_log_pi = lam * np.log(pi)
    return pi
