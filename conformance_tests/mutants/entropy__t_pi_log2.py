"""One realistic bug: the entropy bonus of the soft Bellman operator T^pi in bits, -lambda log2
pi(a|s) (a `np.log2` slip, or an entropy helper with base=2) instead of the natural log."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_entropy import _log_policy, _q_from_v
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("soft.t_pi",)


def soft_t_pi(P: Array, R: Array, gamma: Array, theta: Array, lam: Array, V: Array) -> Array:
    lp = _log_policy(theta)
    return np.sum(np.exp(lp) * (_q_from_v(P, R, gamma, V) - lam * lp / np.log(2.0)), axis=1)
