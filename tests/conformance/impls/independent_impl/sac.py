"""sac.*: closed forms for the Gaussian policy; for the tanh-squashed one, one-dimensional
Gaussian expectations: closed forms for sign(u), adaptive Gauss-Kronrod (scipy quad_vec) for
the remainders that decay away from u = 0."""

from __future__ import annotations

import numpy as np
from scipy.integrate import quad_vec
from scipy.special import erf

from .numerics import Array

HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)
TAIL = 13.0  # phi(13) ~ 2e-37: the Gaussian weight beyond is below every tolerance
WINDOW = 40.0  # e^{-2 |u|} < 2e-35 beyond |u| = 40: the decaying remainders vanish there


def log_cosh(u: Array) -> Array:
    a = np.abs(u)
    return a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)


def sech2(u: Array) -> Array:
    """1 - tanh(u)^2 = 4 e^{-2|u|} / (1 + e^{-2|u|})^2, exact in the tails."""
    e = np.exp(-2.0 * np.abs(u))
    return 4.0 * e / (1.0 + e) ** 2


def sac_q_target(
    r: Array, done: Array, gamma: float, q1_next: Array, q2_next: Array, logp_next: Array, alpha: float
) -> Array:
    soft_next = np.minimum(q1_next, q2_next) - alpha * logp_next
    return r + np.where(done > 0, 0.0, gamma * soft_next)


def tanh_log_prob(eps: Array, u: Array, log_std: Array, scale: Array) -> Array:
    """sum_j [-eps^2/2 - log std - log sqrt(2 pi) - log scale + 2 log cosh u], eps = (u - mean)/std."""
    terms = -0.5 * eps**2 - log_std - HALF_LOG_2PI - np.log(scale) + 2.0 * log_cosh(u)
    return np.sum(terms, axis=-1)


def sac_tanh_gaussian_log_prob(u: Array, mean: Array, log_std: Array, scale: Array) -> Array:
    return tanh_log_prob((u - mean) * np.exp(-log_std), u, log_std, scale)


def sac_policy_objective(mean: Array, log_std: Array, b: Array, c: Array, H: Array, alpha: float) -> Array:
    m = mean.shape[-1]
    entropy = np.sum(log_std, axis=-1) + m * (0.5 + HALF_LOG_2PI)
    e = mean - c
    quad = np.einsum("si,sij,sj->s", e, H, e)
    spread = np.einsum("sii,si->s", H, np.exp(2.0 * log_std))
    return -alpha * entropy - b + quad + spread


def sac_policy_gradient(mean: Array, log_std: Array, b: Array, c: Array, H: Array, alpha: float) -> Array:
    e = mean - c
    d_mean = np.einsum("sij,sj->si", H + np.swapaxes(H, 1, 2), e)
    d_log_std = -alpha + 2.0 * np.einsum("sii->si", H) * np.exp(2.0 * log_std)
    return np.stack([d_mean, d_log_std], axis=1)


def gaussian_moments(mean: float, std: float) -> Array:
    """E over eps ~ N(0,1), u = mean + std eps, of [tanh u, tanh^2 u, sech^2 u, tanh u sech^2 u,
    eps tanh u, eps sech^2 u, eps tanh u sech^2 u, log cosh u].

    Each is split into a closed form for the sign function (E sign u = erf(mean / (std sqrt 2)),
    E[eps sign u] = 2 phi(mean / std), E|u|) plus a remainder that decays like e^{-2|u|}, which
    is integrated by adaptive Gauss-Kronrod only where |u| < 40, split at u = 0: a quadrature
    node would never see the kink of width 1/std of tanh(mean + std eps) on the whole line."""
    ratio = mean / std
    sign_mean = float(erf(ratio / np.sqrt(2.0)))
    peak = np.sqrt(2.0 / np.pi) * np.exp(-0.5 * ratio * ratio)  # 2 phi(mean / std) = E[eps sign u]
    abs_mean = std * peak + mean * sign_mean  # E|u|

    def remainders(eps: float) -> Array:
        u = mean + std * eps
        decay = np.exp(-2.0 * abs(u))
        gap = np.sign(u) * 2.0 * decay / (1.0 + decay)  # sign(u) - tanh(u)
        s = 4.0 * decay / (1.0 + decay) ** 2  # sech^2 u
        t = np.tanh(u)
        weight = np.exp(-0.5 * eps * eps) / np.sqrt(2.0 * np.pi)
        return weight * np.array([gap, s, t * s, eps * gap, eps * s, eps * t * s, np.log1p(decay)])

    lo, hi = max(-TAIL, (-WINDOW - mean) / std), min(TAIL, (WINDOW - mean) / std)
    rest = np.zeros(7)
    if lo < hi:
        turn = -ratio
        points = [turn] if lo < turn < hi else None
        rest, _ = quad_vec(remainders, lo, hi, epsabs=0.0, epsrel=1e-15, points=points, limit=4000)
    gap, s, ts, eps_gap, eps_s, eps_ts, log_rest = rest
    t_mean = sign_mean - gap
    return np.array(
        [t_mean, 1.0 - s, s, ts, peak - eps_gap, eps_s, eps_ts, abs_mean - np.log(2.0) + log_rest]
    )


def squashed_terms(
    mean: Array, log_std: Array, c: Array, H: Array, scale: Array, bias: Array
) -> tuple[Array, Array, Array, Array]:
    """Per state: the moments of every dimension, e = E[a] - c, Var(a) and He."""
    std = np.exp(log_std)
    S, m = mean.shape
    mom = np.array([[gaussian_moments(mean[s, j], std[s, j]) for j in range(m)] for s in range(S)])
    T1, T2 = mom[..., 0], mom[..., 1]
    e = scale * T1 + bias - c
    var = scale**2 * np.maximum(T2 - T1 * T1, 0.0)
    He = np.einsum("sij,sj->si", H, e)
    return mom, e, var, He


def sac_squashed_policy_objective(
    mean: Array, log_std: Array, b: Array, c: Array, H: Array, scale: Array, bias: Array, alpha: float
) -> Array:
    mom, e, var, He = squashed_terms(mean, log_std, c, H, scale, bias)
    log_pi = np.sum(-0.5 - log_std - HALF_LOG_2PI - np.log(scale) + 2.0 * mom[..., 7], axis=-1)
    critic = -b + np.sum(e * He, axis=-1) + np.einsum("sii,si->s", H, var)
    return alpha * log_pi + critic


def sac_squashed_policy_gradient(
    mean: Array, log_std: Array, b: Array, c: Array, H: Array, scale: Array, bias: Array, alpha: float
) -> Array:
    """d/dmean_j = 2 alpha E t + 2 scale_j ((He)_j E s + H_jj scale_j Cov(t, s));
    d/dlog_std_j = -alpha + std_j (2 alpha E[eps t] + 2 scale_j ((He)_j E[eps s]
    + H_jj scale_j (E[eps t s] - E t E[eps s]))), t = tanh u, s = sech^2 u."""
    mom, _, _, He = squashed_terms(mean, log_std, c, H, scale, bias)
    Et, Es, Ets, Eet, Ees, Eets = (mom[..., k] for k in (0, 2, 3, 4, 5, 6))
    Hjj = np.einsum("sii->si", H)
    d_mean = 2.0 * alpha * Et + 2.0 * scale * (He * Es + Hjj * scale * (Ets - Et * Es))
    inner = 2.0 * alpha * Eet + 2.0 * scale * (He * Ees + Hjj * scale * (Eets - Et * Ees))
    d_log_std = -alpha + np.exp(log_std) * inner
    return np.stack([d_mean, d_log_std], axis=1)


def batch_actions(
    eps: Array, mean: Array, log_std: Array, scale: Array, bias: Array
) -> tuple[Array, Array, Array]:
    u = mean + np.exp(log_std) * eps
    t = np.tanh(u)
    return u, t, scale * t + bias


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
    u, _, a = batch_actions(eps, mean, log_std, scale, bias)
    e = a - c
    q = b - np.einsum("si,sij,sj->s", e, H, e)
    return float(np.mean(alpha * tanh_log_prob(eps, u, log_std, scale) - q))


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
    u, t, a = batch_actions(eps, mean, log_std, scale, bias)
    g = np.einsum("sij,sj->si", H + np.swapaxes(H, 1, 2), a - c) / 2.0
    slope = 2.0 * alpha * t + 2.0 * g * scale * sech2(u)
    N = mean.shape[0]
    d_mean = slope / N
    d_log_std = (-alpha + np.exp(log_std) * eps * slope) / N
    return np.stack([d_mean, d_log_std], axis=1)


def sac_temperature_objective(log_alpha: float, logp: Array, target_entropy: float) -> float:
    return float(-np.exp(log_alpha) * np.mean(logp + target_entropy))


def sac_temperature_gradient(log_alpha: float, logp: Array, target_entropy: float) -> float:
    """d/dlog_alpha of -alpha mean(...) is the loss itself (alpha = exp(log_alpha))."""
    return sac_temperature_objective(log_alpha, logp, target_entropy)
