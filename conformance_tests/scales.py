"""Helpers for the tolerance scale expressions of the registry (spec.formula.Tolerance.scale).

A scale expression is evaluated with numpy as `np`, these helpers, the formula's float64 inputs
by argument name, and `expected` (the oracle value as float64). Keep helpers small and
documented: CONFORMANCE.md prints the expressions verbatim.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def kappa(gamma: Any) -> float:
    """1 / (1 - gamma), the effective horizon."""
    return 1.0 / (1.0 - float(gamma))


def amax(x: Any) -> float:
    """max |x|, or 1 where that is 0 (so a scale is never 0)."""
    m = float(np.max(np.abs(np.asarray(x, dtype=np.float64)))) if np.size(x) else 0.0
    return m if m > 0 else 1.0


def ratio_bound(theta: Any, theta_new: Any) -> float:
    """max_s exp(max_a D[s][a] - min_a D[s][a]), D = theta_new - theta: an upper bound on every
    policy ratio pi_new(a|s) / pi_old(a|s) of two softmax policies."""
    d = np.asarray(theta_new, dtype=np.float64) - np.asarray(theta, dtype=np.float64)
    return float(np.exp(np.max(np.ptp(d, axis=-1))))


# ---- natural gradient over distributions (dist_categorical, dist_gaussian) -------------------


def softmax_min(theta: Any) -> float:
    """min_x softmax(theta)[x]: the smallest nonzero eigenvalue scale of the categorical Fisher
    diag(p) - p p^T, whose pseudo-inverse has norm ~ 1 / min p."""
    t = np.asarray(theta, dtype=np.float64)
    z = np.exp(t - np.max(t))
    return float(np.min(z) / np.sum(z))


def categorical_step_scale(theta: Any, f: Any, alpha: Any) -> float:
    """The scale of d* = sqrt(2 alpha / V) (f - mean f), V = Var_{p_theta} f (float64, from the
    inputs): sqrt(2 alpha / V) (|f| + ptp(f) (1 + |f| / sqrt(V) + ptp(theta))): the centring's
    error plus |d*| times the relative conditioning of V. A constant f (V = 0: d* = 0 by
    convention) gives sqrt(2 alpha) (1 + ptp(theta))."""
    t, values = np.asarray(theta, dtype=np.float64), np.asarray(f, dtype=np.float64)
    p = np.exp(t - np.max(t))
    p /= np.sum(p)
    variance = float(p @ (values - p @ values) ** 2)
    size, spread = amax(values), float(np.ptp(values))
    if variance <= 0.0 or spread == 0.0:
        return float(np.sqrt(2.0 * float(alpha))) * (1.0 + float(np.ptp(t)))
    root = float(np.sqrt(variance))
    conditioning = 1.0 + size / root + float(np.ptp(t))
    return float(np.sqrt(2.0 * float(alpha))) / root * (size + spread * conditioning)


def _gauss_sizes(mean: Any, log_std: Any, H: Any) -> tuple[Any, Any, Any]:
    """|m|, |H| and sigma^2 = exp(2 log_std), as float64 arrays."""
    m = np.abs(np.asarray(mean, dtype=np.float64))
    h = np.abs(np.asarray(H, dtype=np.float64))
    var = np.exp(2.0 * np.asarray(log_std, dtype=np.float64))
    return m, h, var


def gauss_moments(mean: Any, log_std: Any, c: Any, b: Any, H: Any) -> float:
    """|c| + sum_i |b_i| |m_i| + sum_ij |H_ij| |m_i| |m_j| + sum_i |H_ii| sigma_i^2 (at least 1):
    the size of the terms of E f(X) for f(x) = c + b^T x + x^T H x, X ~ N(m, diag(sigma^2))."""
    m, h, var = _gauss_sizes(mean, log_std, H)
    value = abs(float(c)) + float(np.abs(np.asarray(b, dtype=np.float64)) @ m + m @ h @ m + np.diag(h) @ var)
    return max(value, 1.0)


def gauss_gradient_terms(mean: Any, log_std: Any, b: Any, H: Any, precondition: bool = False) -> Any:
    """Per coordinate of theta = (mean, log_std), the size of the terms of grad J:
    |b_i| + sum_j (|H_ij| + |H_ji|) |m_j| and 2 |H_ii| sigma_i^2; with precondition=True each
    divided by the Fisher diagonal (1/sigma_i^2, 2), i.e. the terms of F^{-1} grad J."""
    m, h, var = _gauss_sizes(mean, log_std, H)
    g_mean = np.abs(np.asarray(b, dtype=np.float64)) + (h + h.T) @ m
    g_std = 2.0 * np.diag(h) * var
    if precondition:
        return np.concatenate([g_mean * var, g_std / 2.0])
    return np.concatenate([g_mean, g_std])


def _closed_classes(support: Any) -> list[Any]:
    """The closed strongly connected classes (masks) of the graph s -> t where support[s, t]: s
    is in one iff every state reachable from s reaches s back; its class is what s reaches."""
    reach = support | np.eye(len(support), dtype=bool)
    while not np.array_equal(wider := reach @ reach, reach):
        reach = wider
    classes: list[Any] = []
    for s in np.flatnonzero(~np.any(reach & ~reach.T, axis=1)):
        if not any(c[s] for c in classes):
            classes.append(reach[s])
    return classes


def stationary_kappa(P: Any, theta: Any) -> float:
    """The conditioning of the stationary distribution of P_pi, pi = softmax(theta):
    (1 + ||(I - P_TT)^-1||_inf) * (1 + max_C ||(I - P_CC + 1 pi_C)^-1||_inf) over the transient
    states T and the recurrent classes C of the exact support of P (the fundamental matrices of
    the absorption and of each class; Kemeny-Snell). A slowly mixing chain gives a large scale."""
    p = np.asarray(P, dtype=np.float64)
    p_pi = np.einsum("sa,sat->st", _softmax_rows(theta), p)
    closed = _closed_classes((p != 0).any(axis=1))
    transient = ~np.any(closed, axis=0)
    class_kappa = 1.0
    for c in closed:
        block = p_pi[np.ix_(c, c)]
        block = block / block.sum(axis=1, keepdims=True)
        k = int(c.sum())
        system = np.vstack([(np.eye(k) - block).T, np.ones(k)])
        law = np.linalg.lstsq(system, np.r_[np.zeros(k), 1.0], rcond=None)[0]
        z = np.linalg.inv(np.eye(k) - block + np.outer(np.ones(k), law))
        class_kappa = max(class_kappa, float(np.abs(z).sum(axis=1).max()))
    absorb = 0.0
    if transient.any():
        n = np.linalg.inv(np.eye(int(transient.sum())) - p_pi[np.ix_(transient, transient)])
        absorb = float(np.abs(n).sum(axis=1).max())
    return (1.0 + absorb) * (1.0 + class_kappa)


# ---- DPG: the lqr family -------------------------------------------------------------------


def lqr_horizon(gamma: Any, A: Any, B: Any, K: Any) -> float:
    """max(||Z||_2, ||Z'||_2), Z = sum_k gamma^k M^kT M^k, Z' = sum_k gamma^k M^k M^kT, M = A + B K:
    the condition of the discounted Lyapunov equations of LQR (>= 1/(1 - rho^2) with rho the
    discounted spectral radius sqrt(gamma) rho(M); it grows without bound as rho -> 1)."""
    g = float(gamma)
    M = np.asarray(A, dtype=np.float64) + np.asarray(B, dtype=np.float64) @ np.asarray(K, dtype=np.float64)
    n = M.shape[0]
    worst = 1.0
    for op in (np.kron(M.T, M.T), np.kron(M, M)):
        try:
            z = np.linalg.solve(np.eye(n * n) - g * op, np.eye(n).reshape(-1)).reshape(n, n)
        except np.linalg.LinAlgError:
            return float("inf")
        worst = max(worst, float(np.linalg.norm(z, 2)))
    return worst


def lqr_cost(Q: Any, R: Any, K: Any) -> float:
    """max |Q| + max |R| (max |K|)^2: the size of the per-step cost matrix Q + K^T R K."""
    return amax(Q) + amax(R) * amax(K) ** 2


# ---- NPG / TRPO (tabular softmax) ------------------------------------------------------------


def _softmax_rows(theta: Any) -> Any:
    t = np.asarray(theta, dtype=np.float64)
    z = np.exp(t - np.max(t, axis=-1, keepdims=True))
    return z / np.sum(z, axis=-1, keepdims=True)


def _reachable(P: Any, gamma: Any, mu: Any) -> Any:
    """d_mu^pi(s) > 0: s in mu's support, or reachable from it (gamma > 0) along P > 0."""
    p = np.asarray(P, dtype=np.float64)
    seen = np.asarray(mu, dtype=np.float64) > 0
    if float(gamma) == 0.0:
        return seen
    edges = np.any(p > 0, axis=1)
    stack = [int(s) for s in np.flatnonzero(seen)]
    while stack:
        s = stack.pop()
        for t in np.flatnonzero(edges[s] & ~seen):
            seen[t] = True
            stack.append(int(t))
    return seen


def _visitation_weights(P: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    p, g = np.asarray(P, dtype=np.float64), float(gamma)
    p_pi = np.einsum("sa,sat->st", _softmax_rows(theta), p)
    d = np.linalg.solve(np.eye(p.shape[0]) - g * p_pi.T, (1.0 - g) * np.asarray(mu, dtype=np.float64))
    return np.where(_reachable(P, gamma, mu), np.abs(d), 0.0)


def npg_condition(P: Any, gamma: Any, mu: Any, theta: Any) -> float:
    """1 / min over the states with d_mu^pi(s) > 0 and every action of d_mu^pi(s) pi(a|s): an
    upper bound on ||F^+|| for the tabular Fisher (its block d(s) (diag(pi_s) - pi_s pi_s^T) has
    smallest nonzero eigenvalue >= d(s) min_a pi(a|s)); at least 1, at most 1e300."""
    d = _visitation_weights(P, gamma, mu, theta)
    pi = _softmax_rows(theta)
    keep = _reachable(P, gamma, mu)
    if not np.any(keep):
        return 1.0
    low = float(np.min(d[keep, None] * pi[keep]))
    return float(min(max(1.0 / low, 1.0), 1e300)) if low > 0 else 1e300


def natural_norm(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> float:
    """sqrt(g^T F^+ g) for g = grad V (float64, from the inputs) = sqrt(sum_s d(s) Var_{pi_s}(A(s,.)))
    / (1 - gamma), floored at 1e-8 max|R| (the TRPO step divides by it)."""
    p, r, g = np.asarray(P, dtype=np.float64), np.asarray(R, dtype=np.float64), float(gamma)
    pi = _softmax_rows(theta)
    reward = np.einsum("sat,sat->sa", p, r)
    v = np.linalg.solve(np.eye(p.shape[0]) - g * np.einsum("sa,sat->st", pi, p), np.sum(pi * reward, axis=1))
    adv = reward + g * (p @ v) - v[:, None]
    centred = adv - np.sum(pi * adv, axis=1, keepdims=True)
    d = _visitation_weights(P, gamma, mu, theta)
    value = float(np.sqrt(max(float(d @ np.sum(pi * centred**2, axis=1)), 0.0))) / (1.0 - g)
    return max(value, 1e-8 * amax(R))


def trpo_step_scale(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any) -> float:
    """The scale of the TRPO step sqrt(2 delta) x / N (x = F^+ grad V, N = natural_norm):
    sqrt(2 delta) |R| kappa^3 / N (1 + |R| kappa^2 / N): x's error over N, plus |x| <= 4 |R| kappa^2
    times N's relative conditioning |R| kappa^3 / N."""
    norm = natural_norm(P, R, gamma, mu, theta)
    horizon, size = kappa(gamma), amax(R)
    return float(np.sqrt(2.0 * float(delta))) * size * horizon**3 / norm * (1.0 + size * horizon**2 / norm)


def cg_condition(P: Any, gamma: Any, mu: Any, theta: Any, damping: Any) -> float:
    """The size, per |R| kappa^2 of grad V, of the error of k CG steps on (F + damping I) x = g:
    with low = damping + 1 / npg_condition (the smallest eigenvalue on F's range) and
    high = 1/2 + damping (above the largest), the solution's conditioning
    (kappa + high / low) / low (g's error, kappa, and the system's high / low over low), plus
    1 / damping for the rounding that leaks into F's null space once CG has converged."""
    lam = float(damping)
    low = lam + 1.0 / npg_condition(P, gamma, mu, theta)
    return (kappa(gamma) + (0.5 + lam) / low) / low + 1.0 / max(lam, 1e-300)


def softmax_kl_max(theta: Any, theta_new: Any) -> float:
    """max_s KL(softmax(theta[s]) || softmax(theta_new[s])) in float64 (at least 0)."""

    def log_rows(t: Any) -> Any:
        t = np.asarray(t, dtype=np.float64)
        top = np.max(t, axis=-1, keepdims=True)
        return t - top - np.log(np.sum(np.exp(t - top), axis=-1, keepdims=True))

    lp, lq = log_rows(theta), log_rows(theta_new)
    return max(float(np.max(np.sum(np.exp(lp) * (lp - lq), axis=-1))), 0.0)
