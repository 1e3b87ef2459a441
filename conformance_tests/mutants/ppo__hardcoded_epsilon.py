"""One realistic bug: the clip range hard-coded to the paper's default 0.2 (a `clip_param`
argument accepted but never used)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples import np_ppo
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
Scalar = float | np.floating[Any] | Array
KILLS = ("ppo.clip_objective", "ppo.clip_objective_batch")


def ppo_clip_objective(
    P: Array, R: Array, gamma: Scalar, mu: Array, theta: Array, theta_new: Array, epsilon: Scalar
) -> float:
    return np_ppo.ppo_clip_objective(P, R, gamma, mu, theta, theta_new, np.float64(0.2))


def ppo_clip_objective_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: Scalar) -> float:
    return np_ppo.ppo_clip_objective_batch(logp_new, logp_old, adv, np.float64(0.2))
