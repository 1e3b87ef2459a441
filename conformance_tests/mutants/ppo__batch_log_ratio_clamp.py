"""One realistic bug: the batch ratio as exp(clamp(logp_new - logp_old, -20, 20)), a clamp against
overflow: exact while |log ratio| <= 20; beyond, with a negative advantage the unclipped branch min
picks is the clamped one."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("ppo.clip_objective_batch",)
VECTORS_MISS = "no stored batch has |logp_new - logp_old| > 20"


def ppo_clip_objective_batch(logp_new: Any, logp_old: Any, adv: Any, epsilon: Any) -> float:
    eps = float(epsilon)
    r = np.exp(np.clip(np.asarray(logp_new) - np.asarray(logp_old), -20.0, 20.0))
    return float(np.mean(np.minimum(r * adv, np.clip(r, 1.0 - eps, 1.0 + eps) * adv)))
