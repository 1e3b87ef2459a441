"""entropy.h and soft.*: soft values by LU, optimal soft values by soft policy iteration."""

from __future__ import annotations

import numpy as np

from .numerics import Array, evaluate_lu, expected_reward, log_softmax, logsumexp, q_from_v, softmax


def entropy_rows(theta: Array) -> Array:
    """H = lse(t) - E_pi t with t = theta - max theta (no log of a probability is taken)."""
    t = theta - np.max(theta, axis=-1, keepdims=True)
    return logsumexp(t) - np.sum(softmax(theta) * t, axis=-1)


def entropy_h(theta: Array) -> Array:
    return entropy_rows(theta)


def soft_reward(R: Array, theta: Array, lam: float) -> Array:
    return R - lam * log_softmax(theta)[:, :, None]


def soft_policy_values(
    P: Array, R: Array, gamma: float, pi: Array, log_pi: Array, lam: float
) -> tuple[Array, Array]:
    """(V_lambda^pi, Q_lambda^pi): V solves (I - gamma P_pi) V = r_pi + lam H_pi."""
    r = expected_reward(P, R)
    reward = np.sum(pi * (r - lam * log_pi), axis=1)
    V = evaluate_lu(P, pi, reward, gamma)
    return V, q_from_v(P, R, V, gamma)


def soft_values_of(P: Array, R: Array, gamma: float, theta: Array, lam: float) -> tuple[Array, Array]:
    return soft_policy_values(P, R, gamma, softmax(theta), log_softmax(theta), lam)


def soft_v_pi(P: Array, R: Array, gamma: float, theta: Array, lam: float) -> Array:
    return soft_values_of(P, R, gamma, theta, lam)[0]


def soft_q_pi(P: Array, R: Array, gamma: float, theta: Array, lam: float) -> Array:
    return soft_values_of(P, R, gamma, theta, lam)[1]


def soft_objective(P: Array, R: Array, gamma: float, mu: Array, theta: Array, lam: float) -> float:
    return float(mu @ soft_v_pi(P, R, gamma, theta, lam))


def soft_t_pi(P: Array, R: Array, gamma: float, theta: Array, lam: float, V: Array) -> Array:
    pi = softmax(theta)
    Q_V = q_from_v(P, R, V, gamma)
    return np.sum(pi * Q_V, axis=1) + lam * entropy_rows(theta)


def soft_f_pi(P: Array, R: Array, gamma: float, theta: Array, lam: float, Q: Array) -> Array:
    pi = softmax(theta)
    V = np.sum(pi * Q, axis=1) + lam * entropy_rows(theta)
    return q_from_v(P, R, V, gamma)


def soft_max(Q: Array, lam: float) -> Array:
    """lam log sum_a exp(Q/lam), shifted by max_a Q before dividing."""
    top = np.max(Q, axis=1)
    return top + lam * np.log(np.sum(np.exp((Q - top[:, None]) / lam), axis=1))


def soft_t_opt(P: Array, R: Array, gamma: float, lam: float, V: Array) -> Array:
    return soft_max(q_from_v(P, R, V, gamma), lam)


def soft_f_opt(P: Array, R: Array, gamma: float, lam: float, Q: Array) -> Array:
    return q_from_v(P, R, soft_max(Q, lam), gamma)


def greedy(Q: Array, lam: float) -> tuple[Array, Array]:
    """(softmax(Q/lam), log softmax(Q/lam)) with the max subtracted before dividing by lam."""
    z = (Q - np.max(Q, axis=1, keepdims=True)) / lam
    log_pi = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return np.exp(log_pi), log_pi


def soft_greedy_policy(Q: Array, lam: float) -> Array:
    return greedy(Q, lam)[0]


def soft_optimal(P: Array, R: Array, gamma: float, lam: float) -> tuple[Array, Array]:
    """(V*, Q*) by soft policy iteration (Newton's method on V = T_lambda V) until V stops moving,
    then one application of T_lambda."""
    S, A = np.shape(P)[:2]
    pi, log_pi = np.full((S, A), 1.0 / A), np.full((S, A), -np.log(A))
    V = np.zeros(S)
    for _ in range(200):
        V_next, Q = soft_policy_values(P, R, gamma, pi, log_pi, lam)
        settled = np.max(np.abs(V_next - V)) <= 4 * np.finfo(float).eps * np.max(np.abs(V_next))
        V = V_next
        pi, log_pi = greedy(Q, lam)
        if settled:
            break
    V = soft_max(q_from_v(P, R, V, gamma), lam)
    return V, q_from_v(P, R, V, gamma)


def soft_v_star(P: Array, R: Array, gamma: float, lam: float) -> Array:
    return soft_optimal(P, R, gamma, lam)[0]


def soft_q_star(P: Array, R: Array, gamma: float, lam: float) -> Array:
    return soft_optimal(P, R, gamma, lam)[1]


def soft_policy_star(P: Array, R: Array, gamma: float, lam: float) -> Array:
    return greedy(soft_optimal(P, R, gamma, lam)[1], lam)[0]


def soft_policy_iteration(P: Array, R: Array, gamma: float, theta: Array, lam: float, k: float) -> Array:
    pi, log_pi = softmax(theta), log_softmax(theta)
    for _ in range(int(k)):
        _, Q = soft_policy_values(P, R, gamma, pi, log_pi, lam)
        pi, log_pi = greedy(Q, lam)
    return pi
