"""Float64 numpy example implementation of the SAC section (spec/sections/sac.py).

Written the way libraries write it (twin-critic target, the stable tanh correction
2 (log 2 - u - softplus(-2u))), except that expectations over eps ~ N(0, I) are computed exactly
by quadrature instead of a Monte Carlo batch: composite Gauss-Legendre in eps on [-12, 12], with
panels refined around the poles of tanh, so the result is a float64 rounding of the expectation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray[Any, np.dtype[np.float64]]

LOG2PI = float(np.log(2.0 * np.pi))


def sac_q_target(
    r: Array, done: Array, gamma: float, q1_next: Array, q2_next: Array, logp_next: Array, alpha: float
) -> Array:
    soft_next = np.minimum(q1_next, q2_next) - alpha * logp_next
    return np.asarray(r + gamma * (1.0 - done) * soft_next)


def _log_one_minus_tanh_squared(u: Array) -> Array:
    return np.asarray(2.0 * (np.log(2.0) - u - np.logaddexp(0.0, -2.0 * u)))


def sac_tanh_gaussian_log_prob(u: Array, mean: Array, log_std: Array, scale: Array) -> Array:
    z = (u - mean) * np.exp(-log_std)
    gaussian = -0.5 * z * z - log_std - 0.5 * LOG2PI
    correction = np.log(scale) + _log_one_minus_tanh_squared(u)
    return np.asarray(np.sum(gaussian - correction, axis=-1))


def _gaussian_entropy(log_std: Array) -> Array:
    return np.asarray(np.sum(log_std, axis=-1) + 0.5 * log_std.shape[-1] * (1.0 + LOG2PI))


def _quadratic(H: Array, first: Array, second: Array) -> Array:
    """E[x^T H x] per state for independent coordinates with moments first, second: [S]."""
    cross = np.einsum("sj,sjk,sk->s", first, H, first)
    diag = np.einsum("sjj->sj", H)
    return np.asarray(cross + np.sum(diag * (second - first * first), axis=-1))


def sac_policy_objective(mean: Array, log_std: Array, b: Array, c: Array, H: Array, alpha: float) -> Array:
    first = mean - c
    second = first * first + np.exp(2.0 * log_std)
    return np.asarray(-alpha * _gaussian_entropy(log_std) - b + _quadratic(H, first, second))


def sac_policy_gradient(mean: Array, log_std: Array, b: Array, c: Array, H: Array, alpha: float) -> Array:
    d_mean = 2.0 * np.einsum("sjk,sk->sj", H, mean - c)
    d_log_std = -alpha + 2.0 * np.einsum("sjj->sj", H) * np.exp(2.0 * log_std)
    return np.stack([d_mean, d_log_std], axis=1)


# ---- one-dimensional Gaussian expectations by composite Gauss-Legendre -----------------------

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)
_EDGE = 12.0


def _eps_grid(mean: float, std: float) -> tuple[Array, Array]:
    """Nodes and weights (including the N(0, 1) density) on [-12, 12] for E over eps."""
    points = set(np.arange(-_EDGE, _EDGE + 0.5, 1.0).tolist())
    center, pole = -mean / std, np.pi / (2.0 * std)
    if -_EDGE < center < _EDGE:
        step = min(pole / 2.0, 1.0)
        points.add(center)
        while step < 2.0:
            points.update(p for p in (center - step, center + step) if -_EDGE < p < _EDGE)
            step *= 2.0
    edges = np.array(sorted(points))
    half = np.diff(edges)[:, None] / 2.0
    mid = (edges[:-1] + edges[1:])[:, None] / 2.0
    eps = (mid + half * _NODES).ravel()
    weight = (half * _WEIGHTS).ravel() * np.exp(-0.5 * eps * eps) / np.sqrt(2.0 * np.pi)
    return eps, weight


def _squashed_moments(mean: float, std: float) -> dict[str, float]:
    eps, w = _eps_grid(mean, std)
    u = mean + std * eps
    t = np.tanh(u)
    x = np.exp(-2.0 * np.abs(u))
    sech2 = 4.0 * x / (1.0 + x) ** 2
    log_sech2 = _log_one_minus_tanh_squared(u)
    values = {
        "t": t,
        "t2": t * t,
        "log_sech2": log_sech2,
        "sech2": sech2,
        "t_sech2": t * sech2,
        "eps_t": eps * t,
        "eps_sech2": eps * sech2,
        "eps_t_sech2": eps * t * sech2,
    }
    return {k: float(np.dot(w, v)) for k, v in values.items()}


def _moments(mean: Array, log_std: Array) -> list[list[dict[str, float]]]:
    std = np.exp(log_std)
    return [
        [_squashed_moments(float(m), float(s)) for m, s in zip(mr, sr, strict=True)]
        for mr, sr in zip(mean, std, strict=True)
    ]


def sac_squashed_policy_objective(
    mean: Array, log_std: Array, b: Array, c: Array, H: Array, scale: Array, bias: Array, alpha: float
) -> Array:
    moments = _moments(mean, log_std)
    e_t = np.array([[d["t"] for d in row] for row in moments])
    e_t2 = np.array([[d["t2"] for d in row] for row in moments])
    e_log = np.array([[d["log_sech2"] for d in row] for row in moments])
    shift = bias - c
    first = scale * e_t + shift
    second = scale**2 * e_t2 + 2.0 * scale * shift * e_t + shift**2
    logp = -_gaussian_entropy(log_std) - np.sum(np.log(scale) + e_log, axis=-1)
    return np.asarray(alpha * logp - b + _quadratic(H, first, second))


def sac_squashed_policy_gradient(
    mean: Array, log_std: Array, b: Array, c: Array, H: Array, scale: Array, bias: Array, alpha: float
) -> Array:
    moments = _moments(mean, log_std)

    def get(key: str) -> Array:
        return np.array([[d[key] for d in row] for row in moments])

    shift = bias - c
    first = scale * get("t") + shift
    diag = np.einsum("sjj->sj", H)
    others = np.einsum("sjk,sk->sj", H, first) - diag * first
    g_sech2 = diag * (scale * get("t_sech2") + shift * get("sech2")) + others * get("sech2")
    eps_g_sech2 = diag * (scale * get("eps_t_sech2") + shift * get("eps_sech2")) + others * get("eps_sech2")
    d_mean = 2.0 * alpha * get("t") + 2.0 * scale * g_sech2
    d_log_std = -alpha + np.exp(log_std) * (2.0 * alpha * get("eps_t") + 2.0 * scale * eps_g_sech2)
    return np.stack([d_mean, d_log_std], axis=1)


def sac_temperature_objective(log_alpha: float, logp: Array, target_entropy: float) -> float:
    return float(np.mean(-np.exp(log_alpha) * (logp + target_entropy)))


def sac_temperature_gradient(log_alpha: float, logp: Array, target_entropy: float) -> float:
    return float(-np.exp(log_alpha) * np.mean(logp + target_entropy))


# ---- the sample-batch form ------------------------------------------------------------------


def _batch_pathwise(
    eps: Array, mean: Array, log_std: Array, c: Array, H: Array, scale: Array, bias: Array
) -> tuple[Array, Array, Array]:
    """u = mean + std * eps, a~ - c, and d(-Q)/du = 2 (H (a~ - c)) scale (1 - tanh(u)^2), per sample."""
    u = mean + np.exp(log_std) * eps
    centered = scale * np.tanh(u) + bias - c
    x = np.exp(-2.0 * np.abs(u))
    sech2 = 4.0 * x / (1.0 + x) ** 2
    critic = 2.0 * np.einsum("sjk,sk->sj", H, centered) * scale * sech2
    return u, centered, critic


def sac_policy_loss_batch(
    eps: Array,
    mean: Array,
    log_std: Array,
    b: Array,
    c: Array,
    H: Array,
    scale: Array,
    bias: Array,
    alpha: float,
) -> float:
    u, centered, _ = _batch_pathwise(eps, mean, log_std, c, H, scale, bias)
    logp = sac_tanh_gaussian_log_prob(u, mean, log_std, scale)
    q = b - np.einsum("sj,sjk,sk->s", centered, H, centered)
    return float(np.mean(alpha * logp - q))


def sac_policy_loss_batch_gradient(
    eps: Array,
    mean: Array,
    log_std: Array,
    b: Array,
    c: Array,
    H: Array,
    scale: Array,
    bias: Array,
    alpha: float,
) -> Array:
    u, _, critic = _batch_pathwise(eps, mean, log_std, c, H, scale, bias)
    pathwise = 2.0 * alpha * np.tanh(u) + critic
    n = mean.shape[0]
    d_log_std = -alpha + np.exp(log_std) * eps * pathwise
    return np.stack([pathwise / n, d_log_std / n], axis=1)
