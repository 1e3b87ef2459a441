"""One realistic bug: the compatible loss with the features phi(s,a) = e_(s,a) instead of the
score grad log pi(a|s) = e_s (x) (e_a - pi_s): the fit is omega[s][a], not omega[s][a] - pi_s . omega[s]."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.compatible_loss",)


def npg_compatible_loss(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, omega: Any) -> float:
    d = _visitation(P, gamma, mu, theta)
    pi = _policy(theta)
    fit = np.asarray(omega, dtype=np.float64) - _advantage(P, R, gamma, theta)
    return float(d @ np.sum(pi * fit**2, axis=1))
