"""One realistic bug: max instead of min in the PPO clip (the pessimistic bound turned into an
optimistic one), in the objective and hence in its autodiff gradient."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_ppo import _ratio, _softmax, _visitation_and_advantage
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
Scalar = float | np.floating[Any] | Array
KILLS = ("ppo.clip_objective", "ppo.clip_objective_batch", "ppo.clip_gradient_batch")


def ppo_clip_objective(
    P: Array, R: Array, gamma: Scalar, mu: Array, theta: Array, theta_new: Array, epsilon: Scalar
) -> float:
    eps = float(epsilon)
    d, adv = _visitation_and_advantage(P, R, gamma, mu, theta)
    r = _ratio(theta, theta_new)
    optimistic = np.maximum(r * adv, np.clip(r, 1 - eps, 1 + eps) * adv)
    return float(np.sum(d[:, None] * _softmax(theta) * optimistic))


def ppo_clip_objective_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: Scalar) -> float:
    eps = float(epsilon)
    r = np.exp(logp_new - logp_old)
    return float(np.mean(np.maximum(r * adv, np.clip(r, 1 - eps, 1 + eps) * adv)))


def ppo_clip_gradient_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: Scalar) -> Array:
    eps = float(epsilon)
    r = np.exp(logp_new - logp_old)
    unclipped_wins = r * adv >= np.clip(r, 1 - eps, 1 + eps) * adv
    inside = (r >= 1 - eps) & (r <= 1 + eps)
    out: Array = np.where(unclipped_wins | inside, r * adv, 0.0) / np.size(adv)
    return out
