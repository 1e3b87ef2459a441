"""npg.*: Fisher blocks, and the natural direction from Q alone (A - mean A = Q - mean Q)."""

from __future__ import annotations

import numpy as np

from .mdp import policy_values, stationary_mixture
from .numerics import Array, centred_rows, reachable, softmax, visitation


def fisher_blocks(weights: Array, pi: Array) -> Array:
    """Block-diagonal F with blocks w(s) (diag(pi_s) - pi_s pi_s^T), theta flattened row-major."""
    S, A = pi.shape
    F = np.zeros((S * A, S * A))
    for s in range(S):
        block = np.diag(pi[s]) - np.outer(pi[s], pi[s])
        F[s * A : (s + 1) * A, s * A : (s + 1) * A] = weights[s] * block
    return F


def npg_fisher(P: Array, gamma: float, mu: Array, theta: Array) -> Array:
    pi = softmax(theta)
    return fisher_blocks(visitation(P, gamma, mu, pi), pi)


def npg_fisher_average(P: Array, mu: Array, theta: Array) -> Array:
    return fisher_blocks(stationary_mixture(P, mu, theta), softmax(theta))


def compatible_weights(P: Array, R: Array, gamma: float, mu: Array, theta: Array) -> Array:
    """omega* = A - mean_a A on the support of d, 0 off it. A - mean A equals Q - mean Q (V is a
    per-state shift), so no V is subtracted at all."""
    _, Q = policy_values(P, R, gamma, theta)
    visited = reachable(P, gamma, mu)
    return np.where(visited[:, None], centred_rows(Q), 0.0)


def npg_direction(P: Array, R: Array, gamma: float, mu: Array, theta: Array) -> Array:
    return compatible_weights(P, R, gamma, mu, theta) / (1.0 - gamma)


def npg_compatible_regression(P: Array, R: Array, gamma: float, mu: Array, theta: Array) -> Array:
    return compatible_weights(P, R, gamma, mu, theta)


def npg_compatible_loss(P: Array, R: Array, gamma: float, mu: Array, theta: Array, omega: Array) -> float:
    pi = softmax(theta)
    _, Q = policy_values(P, R, gamma, theta)
    # residual = (omega - pi.omega) - (Q - pi.Q): both centred under pi at once
    diff = omega - Q
    residual = diff - np.sum(pi * diff, axis=1, keepdims=True)
    d = visitation(P, gamma, mu, pi)
    return float(d @ np.sum(pi * residual**2, axis=1))


def npg_softmax_update(P: Array, R: Array, gamma: float, theta: Array, eta: float) -> Array:
    """softmax(theta + eta A / (1 - gamma)) = softmax(theta + eta Q / (1 - gamma)) row by row."""
    _, Q = policy_values(P, R, gamma, theta)
    return softmax(theta + eta * centred_rows(Q) / (1.0 - gamma))
