"""Example implementation, MDP core and policy gradient: plain float64 numpy.

One function per formula of spec/sections/mdp.py, named after the id, arguments in registry
order. Written the straightforward way (a linear solve for V and d, closed forms elsewhere).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def _policy(theta: Array) -> Array:
    """pi(a|s) = softmax(theta[s])."""
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    out: Array = z / z.sum(axis=1, keepdims=True)
    return out


def _values(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    pi = _policy(theta)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    v: Array = np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)
    return v


def _q(P: Array, R: Array, gamma: float, v: Array) -> Array:
    q: Array = np.einsum("sat,sat->sa", P, R) + gamma * P @ v
    return q


def mdp_v(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    """mdp.v: (I - gamma P_pi) V = r_pi."""
    return _values(P, R, gamma, theta)


def mdp_q(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    """mdp.q: Q(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V(s'))."""
    return _q(P, R, gamma, _values(P, R, gamma, theta))


def mdp_advantage(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    """mdp.advantage: A = Q - V."""
    v = _values(P, R, gamma, theta)
    out: Array = _q(P, R, gamma, v) - v[:, None]
    return out


def mdp_visitation(P: Array, gamma: float, mu: Array, theta: Array) -> Array:
    """mdp.visitation: d = (1 - gamma) mu + gamma P_pi^T d."""
    p_pi = np.einsum("sa,sat->st", _policy(theta), P)
    d: Array = np.linalg.solve(np.eye(len(P)) - gamma * p_pi.T, (1.0 - gamma) * mu)
    return d


def pg_objective(P: Array, R: Array, gamma: float, mu: Array, theta: Array) -> float:
    """pg.objective: V(mu) = sum_s mu(s) V(s)."""
    return float(mu @ _values(P, R, gamma, theta))


def pg_gradient(P: Array, R: Array, gamma: float, mu: Array, theta: Array) -> Array:
    """pg.gradient: d(s) pi(a|s) A(s,a) / (1 - gamma)."""
    d = mdp_visitation(P, gamma, mu, theta)
    out: Array = d[:, None] * _policy(theta) * mdp_advantage(P, R, gamma, theta) / (1.0 - gamma)
    return out


def _gth(p: Array) -> Array:
    """The stationary law of an irreducible stochastic matrix by state reduction
    (Grassmann-Taksar-Heyman): no subtractions, so it stays accurate for slowly mixing chains."""
    a = np.array(p, dtype=np.float64)
    n = len(a)
    for k in range(n - 1, 0, -1):
        a[:k, k] /= a[k, :k].sum()
        a[:k, :k] += np.outer(a[:k, k], a[k, :k])
    x = np.zeros(n)
    x[0] = 1.0
    for k in range(1, n):
        x[k] = x[:k] @ a[:k, k]
    out: Array = x / x.sum()
    return out


def closed_classes(support: NDArray[np.bool_]) -> list[NDArray[np.bool_]]:
    """The closed strongly connected classes of the graph s -> t where support[s, t], as masks:
    s is in one iff every state reachable from s reaches s back (its class: what s reaches)."""
    reach = support | np.eye(len(support), dtype=bool)
    while not np.array_equal(wider := reach @ reach, reach):
        reach = wider
    classes: list[NDArray[np.bool_]] = []
    for s in np.flatnonzero(~np.any(reach & ~reach.T, axis=1)):
        if not any(c[s] for c in classes):
            classes.append(reach[s])
    return classes


def mdp_stationary(P: Array, mu: Array, theta: Array) -> Array:
    """mdp.stationary: d = sum_C (mu(C) + mu_T h_C) pi_C over the recurrent classes C of P_pi
    (closed strongly connected components of the support of P), h_C the absorption probabilities."""
    p_pi = np.einsum("sa,sat->st", _policy(theta), P)
    closed = closed_classes((P != 0).any(axis=1))
    transient = ~np.any(closed, axis=0)
    n_t = int(transient.sum())
    d = np.zeros(len(P))
    for c in closed:
        weight = mu[c].sum()
        if n_t:
            into_c = p_pi[np.ix_(transient, c)].sum(axis=1)
            weight += mu[transient] @ np.linalg.solve(
                np.eye(n_t) - p_pi[np.ix_(transient, transient)], into_c
            )
        d[c] += weight * _gth(p_pi[np.ix_(c, c)])
    return d


def pg_performance_difference(
    P: Array, R: Array, gamma: float, mu: Array, theta: Array, theta_new: Array
) -> float:
    """pg.performance_difference: V^{pi_t}(mu) + E_{d_new} E_{pi_new}[A^{pi_t}] / (1 - gamma)."""
    d_new = mdp_visitation(P, gamma, mu, theta_new)
    adv = mdp_advantage(P, R, gamma, theta)
    gain = d_new @ np.sum(_policy(theta_new) * adv, axis=1)
    return float(pg_objective(P, R, gamma, mu, theta) + gain / (1.0 - gamma))


def _optimal_values(P: Array, R: Array, gamma: float) -> Array:
    """Policy iteration: greedy deterministic policies until no strict improvement."""
    n, a = P.shape[:2]
    r = np.einsum("sat,sat->sa", P, R)
    action = np.zeros(n, dtype=int)
    for _ in range(10 * n * a + 10):
        rows = np.arange(n)
        v = np.linalg.solve(np.eye(n) - gamma * P[rows, action], r[rows, action])
        q = r + gamma * P @ v
        best = q.max(axis=1)
        improve = best > q[rows, action] + 1e-12 * (1.0 + np.abs(best))
        if not improve.any():
            return np.asarray(v, dtype=np.float64)
        action = np.where(improve, q.argmax(axis=1), action)
    return np.asarray(v, dtype=np.float64)


def mdp_v_star(P: Array, R: Array, gamma: float) -> Array:
    """mdp.v_star: V* by policy iteration, then an exact evaluation."""
    return _optimal_values(P, R, gamma)


def mdp_q_star(P: Array, R: Array, gamma: float) -> Array:
    """mdp.q_star: Q*(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V*(s'))."""
    return _q(P, R, gamma, _optimal_values(P, R, gamma))
