"""trpo.*: surrogates as sum d_t (pi_new - pi_t) . Q_t, KLs through log E_p exp(D)."""

from __future__ import annotations

import numpy as np

from .mdp import policy_values
from .npg import compatible_weights, fisher_blocks
from .numerics import Array, kl_rows, policy_change, softmax, visitation


def policy_gain(P: Array, R: Array, gamma: float, mu: Array, theta: Array, theta_new: Array) -> float:
    """sum_s d_t(s) sum_a pi_new(a|s) A_t(s,a) = sum_s d_t(s) (pi_new - pi_t)(.|s) . Q_t(s,.):
    E_{pi_t} A_t = 0 exactly, so the difference of the policies carries the whole gain (and is
    exactly 0 when they coincide)."""
    pi = softmax(theta)
    _, Q = policy_values(P, R, gamma, theta)
    d = visitation(P, gamma, mu, pi)
    return float(d @ np.sum(policy_change(theta, theta_new) * Q, axis=1))


def trpo_surrogate(P: Array, R: Array, gamma: float, mu: Array, theta: Array, theta_new: Array) -> float:
    V, _ = policy_values(P, R, gamma, theta)
    return float(mu @ V) + policy_gain(P, R, gamma, mu, theta, theta_new) / (1.0 - gamma)


def trpo_max_kl(theta: Array, theta_new: Array) -> float:
    return float(np.max(kl_rows(theta, theta_new)))


def trpo_mean_kl(P: Array, gamma: float, mu: Array, theta: Array, theta_new: Array) -> float:
    d = visitation(P, gamma, mu, softmax(theta))
    return float(d @ kl_rows(theta, theta_new))


def trpo_lower_bound(P: Array, R: Array, gamma: float, mu: Array, theta: Array, theta_new: Array) -> float:
    V, Q = policy_values(P, R, gamma, theta)
    eps_t = float(np.max(np.abs(Q - V[:, None])))
    penalty = 2.0 * gamma * eps_t / (1.0 - gamma) ** 2 * trpo_max_kl(theta, theta_new)
    return trpo_surrogate(P, R, gamma, mu, theta, theta_new) - penalty


def trpo_surrogate_linear(
    P: Array, R: Array, gamma: float, mu: Array, theta: Array, theta_new: Array
) -> float:
    """grad V . (theta_new - theta) = sum_s d(s) Cov_{pi_s}(Q_s, Delta_s) / (1 - gamma)."""
    pi = softmax(theta)
    _, Q = policy_values(P, R, gamma, theta)
    delta = theta_new - theta
    dq = Q - np.sum(pi * Q, axis=1, keepdims=True)
    dx = delta - np.sum(pi * delta, axis=1, keepdims=True)
    d = visitation(P, gamma, mu, pi)
    return float(d @ np.sum(pi * dq * dx, axis=1) / (1.0 - gamma))


def trpo_kl_quadratic(P: Array, gamma: float, mu: Array, theta: Array, theta_new: Array) -> float:
    pi = softmax(theta)
    delta = theta_new - theta
    dx = delta - np.sum(pi * delta, axis=1, keepdims=True)
    d = visitation(P, gamma, mu, pi)
    return 0.5 * float(d @ np.sum(pi * dx**2, axis=1))


def trpo_fisher_vector_product(P: Array, gamma: float, mu: Array, theta: Array, v: Array) -> Array:
    pi = softmax(theta)
    d = visitation(P, gamma, mu, pi)
    return d[:, None] * pi * (v - np.sum(pi * v, axis=1, keepdims=True))


def natural_step(P: Array, R: Array, gamma: float, mu: Array, theta: Array, delta: float) -> Array:
    """sqrt(2 delta / g.x) x with x = F^+ g; g.x = sum_s d(s) Var_{pi_s}(Q_s) / (1 - gamma)^2
    (E_pi[A (A - mean A)] = E_pi A^2 since E_pi A = 0), a sum of nonnegative terms."""
    pi = softmax(theta)
    _, Q = policy_values(P, R, gamma, theta)
    x = compatible_weights(P, R, gamma, mu, theta) / (1.0 - gamma)
    A = Q - np.sum(pi * Q, axis=1, keepdims=True)
    d = visitation(P, gamma, mu, pi)
    curvature = float(d @ np.sum(pi * A**2, axis=1)) / (1.0 - gamma) ** 2
    if curvature <= 0.0 or not np.any(x):
        return np.zeros_like(x)
    return np.sqrt(2.0 * delta / curvature) * x


def trpo_step(P: Array, R: Array, gamma: float, mu: Array, theta: Array, delta: float) -> Array:
    return natural_step(P, R, gamma, mu, theta, delta)


def line_search(
    P: Array,
    R: Array,
    gamma: float,
    mu: Array,
    theta: Array,
    delta: float,
    beta: float,
    max_backtracks: float,
) -> tuple[Array, int]:
    step = natural_step(P, R, gamma, mu, theta, delta)
    for j in range(int(max_backtracks) + 1):
        candidate = theta + beta**j * step
        improves = policy_gain(P, R, gamma, mu, theta, candidate) > 0.0
        if improves and trpo_mean_kl(P, gamma, mu, theta, candidate) <= delta:
            return candidate, j
    return np.array(theta, dtype=np.float64), -1


def trpo_line_search(
    P: Array,
    R: Array,
    gamma: float,
    mu: Array,
    theta: Array,
    delta: float,
    beta: float,
    max_backtracks: float,
) -> Array:
    return line_search(P, R, gamma, mu, theta, delta, beta, max_backtracks)[0]


def trpo_line_search_backtracks(
    P: Array,
    R: Array,
    gamma: float,
    mu: Array,
    theta: Array,
    delta: float,
    beta: float,
    max_backtracks: float,
) -> float:
    return float(line_search(P, R, gamma, mu, theta, delta, beta, max_backtracks)[1])


def trpo_conjugate_gradient(
    P: Array, R: Array, gamma: float, mu: Array, theta: Array, iterations: float, damping: float
) -> Array:
    """The registry's CG on the dense matrix F + damping I (formed once, not Fisher-vector
    products), k iterations; it stops early only where the registry's rule does in float64: r = 0
    exactly, or a curvature p.(F + damping I)p <= 0. (A float64 threshold such as the oracle's
    |r| <= 2^(-3b/4) |g| at b = 53 bits stops where x still errs by ~|r| / damping: 0.44 units
    at seed 13.)"""
    pi = softmax(theta)
    S, A = pi.shape
    d = visitation(P, gamma, mu, pi)
    _, Q = policy_values(P, R, gamma, theta)
    g = (d[:, None] * pi * (Q - np.sum(pi * Q, axis=1, keepdims=True)) / (1.0 - gamma)).ravel()
    M = fisher_blocks(d, pi) + damping * np.eye(S * A)
    x = np.zeros_like(g)
    r = g.copy()
    p = r.copy()
    for _ in range(int(iterations)):
        if not np.any(r):
            break
        Mp = M @ p
        curvature = p @ Mp
        if curvature <= 0.0:
            break
        rr = r @ r
        alpha = rr / curvature
        x = x + alpha * p
        r = r - alpha * Mp
        p = r + (r @ r / rr) * p
    return x.reshape(S, A)
