"""One realistic bug: the natural direction as (F + 1e-6 I)^{-1} grad V on the dense Fisher (a
ridge "to make F invertible") instead of the pseudo-inverse F^+ grad V: biased wherever
d(s) pi(a|s) is not large next to the ridge."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation, npg_fisher
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.direction",)


def npg_direction(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    pi = _policy(theta)
    d = _visitation(P, gamma, mu, theta)
    grad = d[:, None] * pi * _advantage(P, R, gamma, theta) / (1.0 - float(gamma))
    F = npg_fisher(P, gamma, mu, theta)
    return np.linalg.solve(F + 1e-6 * np.eye(F.shape[0]), grad.reshape(-1)).reshape(pi.shape)
