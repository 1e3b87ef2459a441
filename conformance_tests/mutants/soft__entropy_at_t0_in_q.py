"""One realistic bug: the entropy term counted at t = 0 in the soft Q-value,
Q(s,a) = E[r - lambda log pi(a|s) + gamma V(s')] (r_lambda instead of r for the chosen action a_0);
the lecture (eq. 47/48) gives the plain reward at t = 0 since a_0 is chosen, not sampled."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_entropy import soft_v_pi
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("soft.q_pi", "soft.f_pi")


def _log_policy(theta: Array) -> Array:
    z = theta - np.max(theta, axis=1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))


def soft_q_pi(P: Array, R: Array, gamma: Array, theta: Array, lam: Array) -> Array:
    V = soft_v_pi(P, R, gamma, theta, lam)
    return np.einsum("sat,sat->sa", P, R) - lam * _log_policy(theta) + gamma * (P @ V)


def soft_f_pi(P: Array, R: Array, gamma: Array, theta: Array, lam: Array, Q: Array) -> Array:
    lp = _log_policy(theta)
    after = np.sum(np.exp(lp) * (Q - lam * lp), axis=1)
    return np.einsum("sat,sat->sa", P, R) - lam * lp + gamma * (P @ after)
