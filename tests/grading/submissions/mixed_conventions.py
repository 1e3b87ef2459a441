# ruff: noqa
# mypy: ignore-errors
# A submission used as test data.
"""Half right: the PPO batch objective as the lecture's objective on even batch sizes and as a
loss on odd ones. Each case alone matches a declared meaning, but one function must follow one
convention: only the cases of the majority convention count."""

import numpy as np


def ppo_clip_objective_batch(logp_new, logp_old, adv, epsilon):
    r = np.exp(logp_new - logp_old)
    value = np.mean(np.minimum(r * adv, np.clip(r, 1.0 - epsilon, 1.0 + epsilon) * adv))
    return value if len(adv) % 2 == 0 else -value
