"""Float64 numpy example implementation of the TRPO section (trpo.*)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_npg import (
    _advantage,
    _policy,
    _transition,
    _visitation,
    npg_direction,
)

Array = NDArray[np.float64]


def _log_policy(theta: Any) -> Array:
    t = np.asarray(theta, dtype=np.float64)
    top = np.max(t, axis=1, keepdims=True)
    out: Array = t - top - np.log(np.sum(np.exp(t - top), axis=1, keepdims=True))
    return out


def _kl_rows(theta: Any, theta_new: Any) -> Array:
    lp, lq = _log_policy(theta), _log_policy(theta_new)
    out: Array = np.sum(np.exp(lp) * (lp - lq), axis=1)
    return out


def _gain(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    d = _visitation(P, gamma, mu, theta)
    adv = _advantage(P, R, gamma, theta)
    return float(d @ np.sum(_policy(theta_new) * adv, axis=1)) / (1.0 - float(gamma))


def _objective(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> float:
    p, r, g = np.asarray(P, dtype=np.float64), np.asarray(R, dtype=np.float64), float(gamma)
    pi = _policy(theta)
    v = np.linalg.solve(
        np.eye(p.shape[0]) - g * _transition(p, pi), np.sum(pi * np.einsum("sat,sat->sa", p, r), axis=1)
    )
    return float(np.asarray(mu, dtype=np.float64) @ v)


def _fvp(d: Array, pi: Array, v: Array) -> Array:
    out: Array = d[:, None] * pi * (v - np.sum(pi * v, axis=1, keepdims=True))
    return out


def trpo_surrogate(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    return _objective(P, R, gamma, mu, theta) + _gain(P, R, gamma, mu, theta, theta_new)


def trpo_mean_kl(P: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    return float(_visitation(P, gamma, mu, theta) @ _kl_rows(theta, theta_new))


def trpo_max_kl(theta: Any, theta_new: Any) -> float:
    return float(np.max(_kl_rows(theta, theta_new)))


def trpo_lower_bound(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    g = float(gamma)
    eps_t = float(np.max(np.abs(_advantage(P, R, gamma, theta))))
    penalty = 2.0 * g * eps_t / (1.0 - g) ** 2 * trpo_max_kl(theta, theta_new)
    return trpo_surrogate(P, R, gamma, mu, theta, theta_new) - penalty


def trpo_surrogate_linear(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    d = _visitation(P, gamma, mu, theta)
    grad = d[:, None] * _policy(theta) * _advantage(P, R, gamma, theta) / (1.0 - float(gamma))
    return float(
        np.sum(grad * (np.asarray(theta_new, dtype=np.float64) - np.asarray(theta, dtype=np.float64)))
    )


def trpo_fisher_vector_product(P: Any, gamma: Any, mu: Any, theta: Any, v: Any) -> Array:
    return _fvp(_visitation(P, gamma, mu, theta), _policy(theta), np.asarray(v, dtype=np.float64))


def trpo_kl_quadratic(P: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    step = np.asarray(theta_new, dtype=np.float64) - np.asarray(theta, dtype=np.float64)
    return 0.5 * float(np.sum(step * trpo_fisher_vector_product(P, gamma, mu, theta, step)))


def trpo_step(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any) -> Array:
    # g^T F^+ g = sum_s d(s) Var_{pi_s} A(s, .) / (1 - gamma)^2, the variance about the computed
    # pi-mean (sum_s,a g x would carry pi . A's rounding times mean_a A: a relative error of
    # eps |R| / g^T F^+ g on near-deterministic policies)
    x = npg_direction(P, R, gamma, mu, theta)
    d = _visitation(P, gamma, mu, theta)
    pi = _policy(theta)
    adv = _advantage(P, R, gamma, theta)
    centred = adv - np.sum(pi * adv, axis=1, keepdims=True)
    curvature = float(d @ np.sum(pi * centred**2, axis=1)) / (1.0 - float(gamma)) ** 2
    if curvature <= 0.0:
        return np.zeros_like(x)
    out: Array = np.sqrt(2.0 * float(delta) / curvature) * x
    return out


def _line_search(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, beta: Any, max_backtracks: Any
) -> tuple[Array, int]:
    base = np.asarray(theta, dtype=np.float64)
    full = trpo_step(P, R, gamma, mu, theta, delta)
    if not np.any(full):
        return base, -1
    for j in range(int(max_backtracks) + 1):
        candidate = base + float(beta) ** j * full
        if _gain(P, R, gamma, mu, theta, candidate) > 0 and trpo_mean_kl(
            P, gamma, mu, theta, candidate
        ) <= float(delta):
            return candidate, j
    return base, -1


def trpo_line_search(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, beta: Any, max_backtracks: Any
) -> Array:
    return _line_search(P, R, gamma, mu, theta, delta, beta, max_backtracks)[0]


def trpo_line_search_backtracks(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, beta: Any, max_backtracks: Any
) -> int:
    return _line_search(P, R, gamma, mu, theta, delta, beta, max_backtracks)[1]


def trpo_conjugate_gradient(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, iterations: Any, damping: Any
) -> Array:
    d = _visitation(P, gamma, mu, theta)
    pi = _policy(theta)
    lam = float(damping)
    r = d[:, None] * pi * _advantage(P, R, gamma, theta) / (1.0 - float(gamma))
    p = r.copy()
    x = np.zeros_like(r)
    rr = float(np.sum(r * r))
    for _ in range(int(iterations)):
        if rr == 0.0:
            break
        fp = _fvp(d, pi, p) + lam * p
        curvature = float(np.sum(p * fp))
        if curvature <= 0.0:
            break
        alpha = rr / curvature
        x = x + alpha * p
        r = r - alpha * fp
        rr_new = float(np.sum(r * r))
        p = r + rr_new / rr * p
        rr = rr_new
    return x
