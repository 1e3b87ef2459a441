"""dist.*: categorical and diagonal-Gaussian objectives, scores, Fishers, KLs, natural steps."""

from __future__ import annotations

import numpy as np

from .numerics import Array, kl_rows, softmax


def dist_objective_categorical(theta: Array, f: Array) -> float:
    return float(np.sum(softmax(theta) * f))


def dist_score_categorical(theta: Array) -> Array:
    p = softmax(theta)
    return np.eye(p.size) - p[None, :]


def dist_gradient_categorical(theta: Array, f: Array) -> Array:
    p = softmax(theta)
    return p * (f - p @ f)


def dist_fisher_categorical(theta: Array) -> Array:
    """E[score score^T] summed over x: sum_x p_x (e_x - p)(e_x - p)^T."""
    p = softmax(theta)
    score = np.eye(p.size) - p[None, :]
    return np.einsum("x,xi,xj->ij", p, score, score)


def dist_kl_categorical(theta: Array, theta_new: Array) -> float:
    return float(kl_rows(np.atleast_2d(theta), np.atleast_2d(theta_new))[0])


def categorical_direction(theta: Array, f: Array) -> Array:
    """F^+ g: F = diag(p)(I - 1 p^T), so F x = g means x - (p.x) 1 = g / p = f - J; the l2-minimal
    solution is that vector projected orthogonally to 1."""
    y = f - softmax(theta) @ f
    return y - np.mean(y)


def dist_natural_direction_categorical(theta: Array, f: Array) -> Array:
    return categorical_direction(theta, f)


def dist_natural_step_categorical(theta: Array, f: Array, alpha: float) -> Array:
    """sqrt(2 alpha / g.x) x; g.x = Var_p(f) (the gradient is 0 only for a constant f)."""
    f = np.asarray(f, dtype=np.float64)
    if np.all(f == f[0]):
        return np.zeros_like(f)
    p = softmax(theta)
    x = categorical_direction(theta, f)
    variance = float(p @ (f - p @ f) ** 2)
    return np.sqrt(2.0 * alpha / variance) * x


def dist_objective_gaussian(mean: Array, log_std: Array, c: float, b: Array, H: Array) -> float:
    var = np.exp(2.0 * log_std)
    return float(c + b @ mean + mean @ H @ mean + np.diag(H) @ var)


def dist_score_gaussian(mean: Array, log_std: Array, x: Array) -> Array:
    z = (x - mean) * np.exp(-log_std)
    return np.concatenate([z * np.exp(-log_std), z * z - 1.0])


def gaussian_gradient(mean: Array, log_std: Array, b: Array, H: Array) -> tuple[Array, Array]:
    return b + (H + H.T) @ mean, 2.0 * np.diag(H) * np.exp(2.0 * log_std)


def dist_gradient_gaussian(mean: Array, log_std: Array, c: float, b: Array, H: Array) -> Array:
    return np.concatenate(gaussian_gradient(mean, log_std, b, H))


def dist_fisher_gaussian(mean: Array, log_std: Array) -> Array:
    return np.diag(np.concatenate([np.exp(-2.0 * log_std), np.full(len(mean), 2.0)]))


def dist_kl_gaussian(mean: Array, log_std: Array, mean_new: Array, log_std_new: Array) -> float:
    """sum_i (expm1(2x) - 2x) / 2 + (m - m')^2 / (2 sigma'^2), x = log_std - log_std_new."""
    x = log_std - log_std_new
    spread = (np.expm1(2.0 * x) - 2.0 * x) / 2.0
    shift = 0.5 * ((mean - mean_new) * np.exp(-log_std_new)) ** 2
    return float(np.sum(spread + shift))


def gaussian_direction(mean: Array, log_std: Array, b: Array, H: Array) -> Array:
    g_mean, g_std = gaussian_gradient(mean, log_std, b, H)
    return np.concatenate([g_mean * np.exp(2.0 * log_std), g_std / 2.0])


def dist_natural_direction_gaussian(mean: Array, log_std: Array, c: float, b: Array, H: Array) -> Array:
    return gaussian_direction(mean, log_std, b, H)


def dist_natural_step_gaussian(
    mean: Array, log_std: Array, c: float, b: Array, H: Array, alpha: float
) -> Array:
    """g.x = |sigma g_mean|^2 + |sqrt(2) H_ii sigma^2|^2, a norm taken with scaling (hypot)."""
    g_mean, g_std = gaussian_gradient(mean, log_std, b, H)
    roots = np.concatenate([g_mean * np.exp(log_std), g_std / np.sqrt(2.0)])
    top = np.max(np.abs(roots))
    if top == 0.0:
        return np.zeros(2 * len(mean))
    norm = top * np.sqrt(np.sum((roots / top) ** 2))
    return np.sqrt(2.0 * alpha) * gaussian_direction(mean, log_std, b, H) / norm
