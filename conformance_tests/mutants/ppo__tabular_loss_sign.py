"""One realistic bug: the tabular V_t^clip and its gradient returned as a loss (sign flipped),
where the registry gives the exact-MDP formula one meaning: the lecture's objective."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples import np_ppo
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
Scalar = float | np.floating[Any] | Array
KILLS = ("ppo.clip_objective", "ppo.clip_gradient")


def ppo_clip_objective(
    P: Array, R: Array, gamma: Scalar, mu: Array, theta: Array, theta_new: Array, epsilon: Scalar
) -> float:
    return -np_ppo.ppo_clip_objective(P, R, gamma, mu, theta, theta_new, epsilon)


def ppo_clip_gradient(
    P: Array, R: Array, gamma: Scalar, mu: Array, theta: Array, theta_new: Array, epsilon: Scalar
) -> Array:
    return -np_ppo.ppo_clip_gradient(P, R, gamma, mu, theta, theta_new, epsilon)
