"""One realistic bug: the ratio inverted, pi_old / pi_new (log-probabilities subtracted the
wrong way round: exp(logp_old - logp_new))."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples import np_ppo
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
Scalar = float | np.floating[Any] | Array
KILLS = ("ppo.ratio", "ppo.clip_objective_batch", "ppo.clip_gradient_batch")


def ppo_ratio(theta: Array, theta_new: Array) -> Array:
    return np_ppo.ppo_ratio(theta_new, theta)


def ppo_clip_objective_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: Scalar) -> float:
    return np_ppo.ppo_clip_objective_batch(logp_old, logp_new, adv, epsilon)


def ppo_clip_gradient_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: Scalar) -> Array:
    eps = float(epsilon)
    r = np.exp(logp_old - logp_new)  # d r / d logp_new = -r for this (wrong) ratio
    active = ~(((r > 1 + eps) & (adv > 0)) | ((r < 1 - eps) & (adv < 0)))
    out: Array = np.where(active, -r * adv, 0.0) / np.size(adv)
    return out
