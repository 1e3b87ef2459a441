"""mdp.* and pg.*: values by the discounted series, stationary laws by GTH state reduction."""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components

from .numerics import (
    Array,
    evaluate_series,
    expected_reward,
    lu_solve_system,
    policy_matrix,
    q_from_v,
    softmax,
    visitation,
)


def policy_values(P: Array, R: Array, gamma: float, theta: Array) -> tuple[Array, Array]:
    """(V, Q) of softmax(theta); V from the series, Q one backup of it."""
    pi = softmax(theta)
    r_pi = np.sum(pi * expected_reward(P, R), axis=1)
    V = evaluate_series(P, pi, r_pi, gamma)
    return V, q_from_v(P, R, V, gamma)


def mdp_v(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    return policy_values(P, R, gamma, theta)[0]


def mdp_q(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    return policy_values(P, R, gamma, theta)[1]


def mdp_advantage(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    V, Q = policy_values(P, R, gamma, theta)
    return Q - V[:, None]


def mdp_visitation(P: Array, gamma: float, mu: Array, theta: Array) -> Array:
    return visitation(P, gamma, mu, softmax(theta))


def gth_stationary(M: Array) -> Array:
    """Stationary law of an irreducible stochastic matrix by Grassmann-Taksar-Heyman state
    reduction: no subtraction anywhere, so it is accurate to a few eps even when slowly mixing."""
    A = np.array(M, dtype=np.float64)
    n = A.shape[0]
    for k in range(n - 1, 0, -1):
        s = np.sum(A[k, :k])
        A[:k, k] /= s
        A[:k, :k] += np.outer(A[:k, k], A[k, :k])
    x = np.zeros(n)
    x[0] = 1.0
    for j in range(1, n):
        x[j] = x[:j] @ A[:j, j]
    return x / np.sum(x)


def stationary_mixture(P: Array, mu: Array, theta: Array) -> Array:
    """d^pi = sum over recurrent classes C of (mu(C) + absorption of mu_T into C) pi_C."""
    M = policy_matrix(P, softmax(theta))
    support = np.any(np.asarray(P) > 0, axis=1)
    _, labels = connected_components(support, directed=True, connection="strong")
    closed = [c for c in np.unique(labels) if not np.any(support[labels == c][:, labels != c])]
    transient = ~np.isin(labels, closed)
    T = np.flatnonzero(transient)
    d = np.zeros(len(mu))
    if T.size:
        # row vector w = mu_T (I - P_TT)^-1: expected visits to each transient state
        w = lu_solve_system(np.eye(T.size) - M[np.ix_(T, T)], mu[T], transpose=True)
    for c in closed:
        members = np.flatnonzero(labels == c)
        mass = np.sum(mu[members])
        if T.size:
            mass += w @ np.sum(M[np.ix_(T, members)], axis=1)
        d[members] = mass * gth_stationary(M[np.ix_(members, members)])
    return d


def mdp_stationary(P: Array, mu: Array, theta: Array) -> Array:
    return stationary_mixture(P, mu, theta)


def pg_objective(P: Array, R: Array, gamma: float, mu: Array, theta: Array) -> float:
    """Visitation form: V(mu) = sum_s d(s) r_pi(s) / (1 - gamma)."""
    pi = softmax(theta)
    r_pi = np.sum(pi * expected_reward(P, R), axis=1)
    d = visitation(P, gamma, mu, pi)
    return float(d @ r_pi / (1.0 - gamma))


def pg_gradient(P: Array, R: Array, gamma: float, mu: Array, theta: Array) -> Array:
    pi = softmax(theta)
    _, Q = policy_values(P, R, gamma, theta)
    A = Q - np.sum(pi * Q, axis=1, keepdims=True)
    d = visitation(P, gamma, mu, pi)
    return d[:, None] * pi * A / (1.0 - gamma)


def pg_performance_difference(
    P: Array, R: Array, gamma: float, mu: Array, theta: Array, theta_new: Array
) -> float:
    """The lemma's right-hand side equals V^{pi_new}(mu): computed as that value directly."""
    V_new, _ = policy_values(P, R, gamma, theta_new)
    return float(mu @ V_new)


def optimal_values(P: Array, R: Array, gamma: float) -> tuple[Array, Array]:
    """Hard-max (V*, Q*) by policy iteration with exact (series) evaluation; an action is switched
    only on an improvement above rounding, so ties never cycle."""
    P = np.asarray(P, dtype=np.float64)
    r = expected_reward(P, R)
    S, A = r.shape
    action = np.zeros(S, dtype=int)
    for _ in range(1000):
        pi = np.zeros((S, A))
        pi[np.arange(S), action] = 1.0
        V = evaluate_series(P, pi, r[np.arange(S), action], gamma)
        Q = q_from_v(P, R, V, gamma)
        best = np.argmax(Q, axis=1)
        gain = Q[np.arange(S), best] - Q[np.arange(S), action]
        slack = 16 * np.finfo(float).eps * np.max(np.abs(Q))
        switch = gain > slack
        if not np.any(switch):
            return V, Q
        action = np.where(switch, best, action)
    return V, Q


def mdp_v_star(P: Array, R: Array, gamma: float) -> Array:
    return optimal_values(P, R, gamma)[0]


def mdp_q_star(P: Array, R: Array, gamma: float) -> Array:
    return optimal_values(P, R, gamma)[1]
