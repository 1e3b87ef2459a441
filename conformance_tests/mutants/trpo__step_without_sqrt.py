"""One realistic bug: the natural step scaled by 2 delta / (g^T F^+ g) instead of
sqrt(2 delta / (g^T F^+ g)) (the square root of the Lagrange multiplier forgotten)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation, npg_direction
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.step",)


def trpo_step(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any) -> Any:
    x = npg_direction(P, R, gamma, mu, theta)
    d = _visitation(P, gamma, mu, theta)
    grad = d[:, None] * _policy(theta) * _advantage(P, R, gamma, theta) / (1.0 - float(gamma))
    curvature = float(np.sum(grad * x))
    if curvature <= 0.0:
        return np.zeros_like(x)
    return 2.0 * float(delta) / curvature * x
