"""Plain float64 numpy: the natural-gradient-over-distributions formulas (dist.*).

Categorical: theta [K] logits, f [K] values. Gaussian: theta = (mean [n], log_std [n]),
f(x) = c + b^T x + x^T H x (H not assumed symmetric).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def _softmax(theta: Array) -> Array:
    z = np.exp(theta - np.max(theta))
    out: Array = z / np.sum(z)
    return out


def _log_softmax(theta: Array) -> Array:
    t = theta - np.max(theta)
    out: Array = t - np.log(np.sum(np.exp(t)))
    return out


# ---- categorical -----------------------------------------------------------------------------


def dist_objective_categorical(theta: Array, f: Array) -> float:
    return float(_softmax(theta) @ f)


def dist_score_categorical(theta: Array) -> Array:
    p = _softmax(theta)
    out: Array = np.eye(p.size) - p[None, :]
    return out


def dist_gradient_categorical(theta: Array, f: Array) -> Array:
    p = _softmax(theta)
    out: Array = p * (f - p @ f)
    return out


def dist_fisher_categorical(theta: Array) -> Array:
    p = _softmax(theta)
    out: Array = np.diag(p) - np.outer(p, p)
    return out


def dist_kl_categorical(theta: Array, theta_new: Array) -> float:
    return float(_softmax(theta) @ (_log_softmax(theta) - _log_softmax(theta_new)))


def dist_natural_direction_categorical(theta: Array, f: Array) -> Array:
    # F = diag(p) - p p^T and grad J = p (f - E_p f): F f = grad J, and F is singular along the
    # constant vector only, so the l2-minimal solution is f - mean(f) (closed form: a solve with F
    # would lose 1 / min p when p is concentrated).
    values = np.asarray(f, dtype=np.float64)
    out: Array = values - np.mean(values)
    return out


def dist_natural_step_categorical(theta: Array, f: Array, alpha: float) -> Array:
    f = np.asarray(f, dtype=np.float64)
    if np.all(f == f[0]):  # grad J = 0: d* = 0 by convention
        return np.zeros_like(f)
    # g^T F^+ g = Var_p f, as the p-weighted squares about E_p f (g @ d would carry the rounding
    # of sum p (f - E_p f) times mean(f): a relative error of eps |f|^2 / Var on concentrated p)
    p = _softmax(theta)
    variance = float(p @ (f - p @ f) ** 2)
    d = dist_natural_direction_categorical(theta, f)
    out: Array = np.sqrt(2.0 * alpha / variance) * d
    return out


# ---- diagonal Gaussian -----------------------------------------------------------------------


def dist_objective_gaussian(mean: Array, log_std: Array, c: float, b: Array, H: Array) -> float:
    var = np.exp(2.0 * log_std)
    return float(c + b @ mean + mean @ H @ mean + np.diag(H) @ var)


def dist_score_gaussian(mean: Array, log_std: Array, x: Array) -> Array:
    sigma = np.exp(log_std)
    z = (x - mean) / sigma
    out: Array = np.concatenate([z / sigma, z**2 - 1.0])
    return out


def dist_gradient_gaussian(mean: Array, log_std: Array, c: float, b: Array, H: Array) -> Array:
    var = np.exp(2.0 * log_std)
    out: Array = np.concatenate([b + (H + H.T) @ mean, 2.0 * np.diag(H) * var])
    return out


def dist_fisher_gaussian(mean: Array, log_std: Array) -> Array:
    var = np.exp(2.0 * log_std)
    out: Array = np.diag(np.concatenate([1.0 / var, np.full(var.size, 2.0)]))
    return out


def dist_kl_gaussian(mean: Array, log_std: Array, mean_new: Array, log_std_new: Array) -> float:
    var_new = np.exp(2.0 * log_std_new)
    ratio = np.exp(2.0 * (log_std - log_std_new))
    terms = log_std_new - log_std + 0.5 * (ratio - 1.0) + (mean - mean_new) ** 2 / (2.0 * var_new)
    return float(np.sum(terms))


def dist_natural_direction_gaussian(mean: Array, log_std: Array, c: float, b: Array, H: Array) -> Array:
    F = dist_fisher_gaussian(mean, log_std)
    g = dist_gradient_gaussian(mean, log_std, c, b, H)
    out: Array = np.asarray(np.linalg.solve(F, g), dtype=np.float64)
    return out


def dist_natural_step_gaussian(
    mean: Array, log_std: Array, c: float, b: Array, H: Array, alpha: float
) -> Array:
    g = dist_gradient_gaussian(mean, log_std, c, b, H)
    if not np.any(g):
        return np.zeros_like(g)
    d = dist_natural_direction_gaussian(mean, log_std, c, b, H)
    out: Array = np.sqrt(2.0 * alpha / (g @ d)) * d
    return out
