"""One realistic bug: SAC's batch quantities computed in float32 (a framework's default dtype),
about 1e-7 relative error: the soft Q target, the log-probability and the temperature loss."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import np_sac
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.q_target", "sac.tanh_gaussian_log_prob", "sac.temperature_objective")


def _f32(*xs: Any) -> list[Any]:
    return [np.asarray(x, dtype=np.float32) for x in xs]


def sac_q_target(
    r: Any, done: Any, gamma: Any, q1_next: Any, q2_next: Any, logp_next: Any, alpha: Any
) -> np.ndarray[Any, Any]:
    r, done, gamma, q1, q2, lp, alpha = _f32(r, done, gamma, q1_next, q2_next, logp_next, alpha)
    return np.asarray(r + gamma * (np.float32(1) - done) * (np.minimum(q1, q2) - alpha * lp))


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> np.ndarray[Any, Any]:
    return np.asarray(np_sac.sac_tanh_gaussian_log_prob(*_f32(u, mean, log_std, scale)))


def sac_temperature_objective(log_alpha: Any, logp: Any, target_entropy: Any) -> float:
    la, lp, h = _f32(log_alpha, logp, target_entropy)
    return float(np.mean(-np.exp(la) * (lp + h)))
