"""One realistic bug: the policy gradient weighted by the initial distribution mu instead of
the discounted visitation d_mu^pi (states reached later get no credit)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_mdp import _policy
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("pg.gradient",)


def pg_gradient(P: Array, R: Array, gamma: float, mu: Array, theta: Array) -> Array:
    from rlspec.conformance_tests.examples import np_mdp

    adv = np.asarray(np_mdp.mdp_advantage(P, R, gamma, theta))
    out: Array = mu[:, None] * _policy(theta) * adv / (1.0 - gamma)
    return out
