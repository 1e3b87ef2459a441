"""One realistic bug: the batch clipped gradient with r = exp(logp_new - logp_old) evaluated in float32
(the log-probabilities came from a float32 network), the rest in float64."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("ppo.clip_gradient_batch",)


def ppo_clip_gradient_batch(logp_new: Any, logp_old: Any, adv: Any, epsilon: Any) -> Any:
    r = np.exp(np.asarray(logp_new, np.float32) - np.asarray(logp_old, np.float32)).astype(np.float64)
    eps = float(epsilon)
    active = ~(((r > 1.0 + eps) & (adv > 0)) | ((r < 1.0 - eps) & (adv < 0)))
    return np.where(active, r * adv, 0.0) / np.size(adv)
