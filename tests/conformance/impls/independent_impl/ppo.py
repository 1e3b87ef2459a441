"""ppo.*: the ratio as exp(D - log E_pi exp(D)), objectives as d_t-weighted sums."""

from __future__ import annotations

import numpy as np

from .mdp import policy_values
from .numerics import Array, log_softmax, logsumexp, softmax, visitation


def ratio(theta: Array, theta_new: Array) -> Array:
    """pi_new / pi_t = exp(D_a) / E_{pi_t} exp(D), D = theta_new - theta (shifted by its max)."""
    D = np.asarray(theta_new, dtype=np.float64) - np.asarray(theta, dtype=np.float64)
    D = D - np.max(D, axis=-1, keepdims=True)
    log_norm = logsumexp(log_softmax(theta) + D)
    return np.exp(D - log_norm[:, None])


def ppo_ratio(theta: Array, theta_new: Array) -> Array:
    return ratio(theta, theta_new)


def data_policy_terms(
    P: Array, R: Array, gamma: float, mu: Array, theta: Array
) -> tuple[Array, Array, Array]:
    """(d_t, pi_t, A_t) of the data-collecting policy softmax(theta)."""
    pi = softmax(theta)
    _, Q = policy_values(P, R, gamma, theta)
    A = Q - np.sum(pi * Q, axis=1, keepdims=True)
    return visitation(P, gamma, mu, pi), pi, A


def ppo_surrogate(P: Array, R: Array, gamma: float, mu: Array, theta: Array, theta_new: Array) -> float:
    d, pi, A = data_policy_terms(P, R, gamma, mu, theta)
    return float(d @ np.sum(pi * ratio(theta, theta_new) * A, axis=1))


def clipped_terms(r: Array, A: Array, epsilon: float) -> tuple[Array, Array]:
    """(min(r A, clip(r) A), mask of entries where the unclipped branch is selected)."""
    clipped = np.clip(r, 1.0 - epsilon, 1.0 + epsilon)
    value = np.minimum(r * A, clipped * A)
    flat = ((r > 1.0 + epsilon) & (A > 0)) | ((r < 1.0 - epsilon) & (A < 0))
    return value, ~flat


def ppo_clip_objective(
    P: Array, R: Array, gamma: float, mu: Array, theta: Array, theta_new: Array, epsilon: float
) -> float:
    d, pi, A = data_policy_terms(P, R, gamma, mu, theta)
    value, _ = clipped_terms(ratio(theta, theta_new), A, epsilon)
    return float(d @ np.sum(pi * value, axis=1))


def ppo_clip_gradient(
    P: Array, R: Array, gamma: float, mu: Array, theta: Array, theta_new: Array, epsilon: float
) -> Array:
    d, _, A = data_policy_terms(P, R, gamma, mu, theta)
    _, live = clipped_terms(ratio(theta, theta_new), A, epsilon)
    g = np.where(live, A, 0.0)
    pi_new = softmax(theta_new)
    return d[:, None] * pi_new * (g - np.sum(pi_new * g, axis=1, keepdims=True))


def ppo_clip_objective_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: float) -> float:
    value, _ = clipped_terms(np.exp(logp_new - logp_old), adv, epsilon)
    return float(np.sum(value) / value.size)


def ppo_clip_gradient_batch(logp_new: Array, logp_old: Array, adv: Array, epsilon: float) -> Array:
    r = np.exp(logp_new - logp_old)
    _, live = clipped_terms(r, adv, epsilon)
    return np.where(live, r * adv, 0.0) / r.size
