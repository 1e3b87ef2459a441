"""One realistic bug: KL(p || q) with q's log-probabilities taken as log(q.clamp(min=1e-8)), the floor
many categorical KL helpers put in to avoid log 0: exact until some q(x) < 1e-8 that p still weighs,
then the KL is understated."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("dist.kl_categorical",)


def dist_kl_categorical(theta: Any, theta_new: Any) -> float:
    p = np.exp(theta - np.max(theta))
    p /= np.sum(p)
    q = np.exp(theta_new - np.max(theta_new))
    q /= np.sum(q)
    return float(np.sum(p * (np.log(np.maximum(p, 1e-300)) - np.log(np.maximum(q, 1e-8)))))
