# ruff: noqa
# mypy: ignore-errors
# A submission used as test data.
"""Not an attack: the PPO batch objective written the way libraries write it, as a loss
(-mean min(r A, clip(r) A)): a declared convention, so full marks."""

import numpy as np


def ppo_clip_objective_batch(logp_new, logp_old, adv, epsilon):
    r = np.exp(logp_new - logp_old)
    return -np.mean(np.minimum(r * adv, np.clip(r, 1.0 - epsilon, 1.0 + epsilon) * adv))
