"""One realistic bug: the policy gradient with the wrong sign (a loss gradient returned where
the objective's ascent direction is meant)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("pg.gradient",)


def pg_gradient(P: Array, R: Array, gamma: float, mu: Array, theta: Array) -> Array:
    from rlspec.conformance_tests.examples import np_mdp

    return -np.asarray(np_mdp.pg_gradient(P, R, gamma, mu, theta))
