"""One realistic bug: the loss written min(-r A, -clip(r) A) instead of max(-r A, -clip(r) A)
(the sign flipped inside the min: the loss of the optimistic, max objective)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
Scalar = float | np.floating[Any] | Array
KILLS = ("ppo.clip_objective_batch", "ppo.clip_gradient_batch")


def ppo_clip_objective_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: Scalar) -> float:
    eps = float(epsilon)
    r = np.exp(logp_new - logp_old)
    return float(np.mean(np.minimum(-r * adv, -np.clip(r, 1 - eps, 1 + eps) * adv)))


def ppo_clip_gradient_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: Scalar) -> Array:
    eps = float(epsilon)
    r = np.exp(logp_new - logp_old)
    inside = (r >= 1 - eps) & (r <= 1 + eps)
    unclipped_wins = -r * adv <= -np.clip(r, 1 - eps, 1 + eps) * adv
    out: Array = np.where(inside | unclipped_wins, -r * adv, 0.0) / np.size(adv)
    return out
