"""One realistic bug: advantages normalized ((A - mean) / std) in one branch of the PPO min and
raw in the other (the normalization applied to a copy used only by the unclipped term)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
Scalar = float | np.floating[Any] | Array
KILLS = ("ppo.clip_objective_batch", "ppo.clip_gradient_batch")


def _normalized(adv: Array) -> Array:
    out: Array = (adv - np.mean(adv)) / (np.std(adv) + 1e-8)
    return out


def ppo_clip_objective_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: Scalar) -> float:
    eps = float(epsilon)
    r = np.exp(logp_new - logp_old)
    return float(np.mean(np.minimum(r * _normalized(adv), np.clip(r, 1 - eps, 1 + eps) * adv)))


def ppo_clip_gradient_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: Scalar) -> Array:
    eps = float(epsilon)
    r = np.exp(logp_new - logp_old)
    unclipped = r * _normalized(adv)
    clipped = np.clip(r, 1 - eps, 1 + eps) * adv
    inside = (r >= 1 - eps) & (r <= 1 + eps)
    slope = np.where(unclipped <= clipped, unclipped, np.where(inside, r * adv, 0.0))
    out: Array = slope / np.size(adv)
    return out
