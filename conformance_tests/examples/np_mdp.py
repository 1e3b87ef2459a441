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
