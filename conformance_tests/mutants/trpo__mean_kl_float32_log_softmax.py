"""One realistic bug: mean KL with the two log-softmaxes computed in float32 (the policy network's
dtype) and the weighting by d in float64: log-probability errors of ~1e-7 in a sum of differences."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _visitation
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.mean_kl",)


def trpo_mean_kl(P: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    def log_policy(t: Any) -> Any:
        t = np.asarray(t, dtype=np.float32)
        z = t - np.max(t, axis=1, keepdims=True)
        return (z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))).astype(np.float64)

    lp, lq = log_policy(theta), log_policy(theta_new)
    return float(_visitation(P, gamma, mu, theta) @ np.sum(np.exp(lp) * (lp - lq), axis=1))
