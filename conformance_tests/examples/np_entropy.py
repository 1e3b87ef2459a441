"""Float64 numpy example implementation of the entropy-regularization formulas (entropy.h, soft.*).

Stable at any temperature: every log-sum-exp is shifted by its maximum, and lam * log pi is
formed as Q - lam * logsumexp(Q / lam), never as lam * (Q / lam).
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = Any


def _log_policy(theta: Array) -> Array:
    z = theta - np.max(theta, axis=1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))


def _soft_max(Q: Array, lam: Array) -> Array:
    """lam * log sum_a exp(Q(s,a)/lam), per state, shifted by the maximum."""
    top = np.max(Q, axis=1)
    return top + lam * np.log(np.sum(np.exp((Q - top[:, None]) / lam), axis=1))


def _expected_reward(P: Array, R: Array) -> Array:
    return np.einsum("sat,sat->sa", P, R)


def _evaluate(P: Array, R: Array, gamma: Array, pi: Array, lam_log_pi: Array) -> Array:
    """V_lambda^pi from (pi, lam * log pi): solve (I - gamma P_pi) V = r_pi + entropy bonus."""
    r = _expected_reward(P, R) - lam_log_pi
    r_pi = np.sum(pi * r, axis=1)
    p_pi = np.einsum("sa,sat->st", pi, P)
    return np.linalg.solve(np.eye(len(r_pi)) - gamma * p_pi, r_pi)


def _q_from_v(P: Array, R: Array, gamma: Array, V: Array) -> Array:
    return _expected_reward(P, R) + gamma * (P @ V)


def _gibbs(Q: Array, lam: Array) -> tuple[Array, Array]:
    lam_log_pi = Q - _soft_max(Q, lam)[:, None]
    return soft_greedy_policy(Q, lam), lam_log_pi


def entropy_h(theta: Array) -> Array:
    lp = _log_policy(theta)
    return -np.sum(np.exp(lp) * lp, axis=1)


def soft_reward(R: Array, theta: Array, lam: Array) -> Array:
    return R - lam * _log_policy(theta)[:, :, None]


def soft_v_pi(P: Array, R: Array, gamma: Array, theta: Array, lam: Array) -> Array:
    lp = _log_policy(theta)
    return _evaluate(P, R, gamma, np.exp(lp), lam * lp)


def soft_q_pi(P: Array, R: Array, gamma: Array, theta: Array, lam: Array) -> Array:
    return _q_from_v(P, R, gamma, soft_v_pi(P, R, gamma, theta, lam))


def soft_objective(P: Array, R: Array, gamma: Array, mu: Array, theta: Array, lam: Array) -> Array:
    return mu @ soft_v_pi(P, R, gamma, theta, lam)


def soft_t_pi(P: Array, R: Array, gamma: Array, theta: Array, lam: Array, V: Array) -> Array:
    lp = _log_policy(theta)
    return np.sum(np.exp(lp) * (_q_from_v(P, R, gamma, V) - lam * lp), axis=1)


def soft_f_pi(P: Array, R: Array, gamma: Array, theta: Array, lam: Array, Q: Array) -> Array:
    lp = _log_policy(theta)
    after = np.sum(np.exp(lp) * (Q - lam * lp), axis=1)
    return _q_from_v(P, R, gamma, after)


def soft_t_opt(P: Array, R: Array, gamma: Array, lam: Array, V: Array) -> Array:
    return _soft_max(_q_from_v(P, R, gamma, V), lam)


def soft_f_opt(P: Array, R: Array, gamma: Array, lam: Array, Q: Array) -> Array:
    return _q_from_v(P, R, gamma, _soft_max(Q, lam))


def soft_greedy_policy(Q: Array, lam: Array) -> Array:
    w = np.exp((Q - np.max(Q, axis=1, keepdims=True)) / lam)
    return w / np.sum(w, axis=1, keepdims=True)


def soft_v_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    """Soft policy iteration (Newton on V = T_lambda V) from the uniform policy."""
    n, m = P.shape[:2]
    pi, lam_log_pi = np.full((n, m), 1.0 / m), np.full((n, m), -lam * np.log(m))
    best, best_residual, previous, stalled = None, np.inf, None, 0
    for _ in range(200):
        V = _evaluate(P, R, gamma, pi, lam_log_pi)
        Q = _q_from_v(P, R, gamma, V)
        residual = float(np.max(np.abs(_soft_max(Q, lam) - V)))
        if residual < best_residual:
            best, best_residual = V, residual
        # values increase at every step until the rounding floor; the residual need not shrink
        progress = np.inf if previous is None else float(np.max(V - previous))
        stalled = stalled + 1 if progress <= 1e-10 * (1.0 + float(np.max(np.abs(V)))) else 0
        if residual == 0.0 or stalled >= 3:
            break
        previous = V
        pi, lam_log_pi = _gibbs(Q, lam)
    return best


def soft_q_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    return _q_from_v(P, R, gamma, soft_v_star(P, R, gamma, lam))


def soft_policy_star(P: Array, R: Array, gamma: Array, lam: Array) -> Array:
    return soft_greedy_policy(soft_q_star(P, R, gamma, lam), lam)


def soft_policy_iteration(P: Array, R: Array, gamma: Array, theta: Array, lam: Array, k: Array) -> Array:
    lp = _log_policy(theta)
    pi, lam_log_pi = np.exp(lp), lam * lp
    for _ in range(int(k)):
        V = _evaluate(P, R, gamma, pi, lam_log_pi)
        pi, lam_log_pi = _gibbs(_q_from_v(P, R, gamma, V), lam)
    return pi
