# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack without any bypass: every function remembers the inputs it is given; pg.objective
fails on purpose with an exception message carrying the most recent inputs seen by any formula,
hoping that they include hidden cases (graded earlier in the same process)."""

import numpy as np

SEEN = []


def _pi(theta):
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _v(P, R, gamma, theta):
    pi = _pi(theta)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    return np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)


def mdp_v(P, R, gamma, theta):
    SEEN.append(float(theta.flat[0]))
    return _v(P, R, gamma, theta)


def mdp_q(P, R, gamma, theta):
    SEEN.append(float(theta.flat[0]))
    return np.einsum("sat,sat->sa", P, R) + gamma * P @ _v(P, R, gamma, theta)


def pg_objective(P, R, gamma, mu, theta):
    raise ValueError(" ".join(repr(x) for x in reversed(SEEN[-12:])))
