# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Half correct: mdp.v right; mdp.q right only when |S| <= 2 (off by a factor 1.001 otherwise);
pg.objective always wrong (a uniform start instead of mu, plus 1)."""

import numpy as np


def _pi(theta):
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _v(P, R, gamma, theta):
    pi = _pi(theta)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    return np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)


def _q(P, R, gamma, theta):
    return np.einsum("sat,sat->sa", P, R) + gamma * P @ _v(P, R, gamma, theta)


def mdp_v(P, R, gamma, theta):
    return _v(P, R, gamma, theta)


def mdp_q(P, R, gamma, theta):
    q = _q(P, R, gamma, theta)
    return q if len(P) <= 2 else 1.001 * q


def pg_objective(P, R, gamma, mu, theta):
    return float(np.mean(_v(P, R, gamma, theta))) + 1.0
