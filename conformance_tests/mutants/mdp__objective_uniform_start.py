"""One realistic bug: the objective averaged uniformly over states instead of under mu."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("pg.objective",)


def pg_objective(P: Array, R: Array, gamma: float, mu: Array, theta: Array) -> float:
    from rlspec.conformance_tests.examples import np_mdp

    return float(np.mean(np_mdp.mdp_v(P, R, gamma, theta)))
