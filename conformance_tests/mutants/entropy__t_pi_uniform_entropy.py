"""One realistic bug: the entropy term of the soft Bellman operator T^pi taken outside the
expectation over a, as the uniform mean of the log-probabilities: sum_a pi Q_V(s, a) - lambda
mean_a log pi(a|s) (a `log_probs.mean(-1)` where `(probs * log_probs).sum(-1)` is meant) instead of
sum_a pi(a|s) (Q_V(s, a) - lambda log pi(a|s))."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_entropy import _log_policy, _q_from_v
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("soft.t_pi",)


def soft_t_pi(P: Array, R: Array, gamma: Array, theta: Array, lam: Array, V: Array) -> Array:
    lp = _log_policy(theta)
    return np.sum(np.exp(lp) * _q_from_v(P, R, gamma, V), axis=1) - lam * np.mean(lp, axis=1)
