"""One realistic bug: the clipped term alone, clip(r, 1 - eps, 1 + eps) A, without the min with
r A (so a bad action's probability is never pushed down once r leaves the interval)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_ppo import _ratio, _softmax, _visitation_and_advantage
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
Scalar = float | np.floating[Any] | Array
KILLS = ("ppo.clip_objective", "ppo.clip_gradient", "ppo.clip_objective_batch", "ppo.clip_gradient_batch")


def ppo_clip_objective(
    P: Array, R: Array, gamma: Scalar, mu: Array, theta: Array, theta_new: Array, epsilon: Scalar
) -> float:
    eps = float(epsilon)
    d, adv = _visitation_and_advantage(P, R, gamma, mu, theta)
    r = _ratio(theta, theta_new)
    return float(np.sum(d[:, None] * _softmax(theta) * np.clip(r, 1 - eps, 1 + eps) * adv))


def ppo_clip_gradient(
    P: Array, R: Array, gamma: Scalar, mu: Array, theta: Array, theta_new: Array, epsilon: Scalar
) -> Array:
    eps = float(epsilon)
    d, adv = _visitation_and_advantage(P, R, gamma, mu, theta)
    r = _ratio(theta, theta_new)
    pi_new = _softmax(theta_new)
    g = np.where((r >= 1 - eps) & (r <= 1 + eps), adv, 0.0)
    out: Array = d[:, None] * pi_new * (g - np.sum(pi_new * g, axis=1, keepdims=True))
    return out


def ppo_clip_objective_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: Scalar) -> float:
    eps = float(epsilon)
    return float(np.mean(np.clip(np.exp(logp_new - logp_old), 1 - eps, 1 + eps) * adv))


def ppo_clip_gradient_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: Scalar) -> Array:
    eps = float(epsilon)
    r = np.exp(logp_new - logp_old)
    out: Array = np.where((r >= 1 - eps) & (r <= 1 + eps), r * adv, 0.0) / np.size(adv)
    return out
