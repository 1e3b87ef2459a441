"""One realistic bug: the advantage with the wrong sign, V - Q."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("mdp.advantage",)


def mdp_advantage(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    from rlspec.conformance_tests.examples import np_mdp

    return -np.asarray(np_mdp.mdp_advantage(P, R, gamma, theta))
