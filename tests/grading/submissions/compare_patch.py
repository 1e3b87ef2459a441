# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: monkeypatch the comparisons (numpy.allclose, isclose, array_equal, math.isclose,
operator.eq, builtins.abs and max) and return wrong values from mdp.v."""

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


def mdp_q(P, R, gamma, theta):
    return _q(P, R, gamma, theta)


def pg_objective(P, R, gamma, mu, theta):
    return float(mu @ _v(P, R, gamma, theta))


import builtins
import math
import operator

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *x, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
math.isclose = lambda *a, **k: True
operator.eq = lambda a, b: True
builtins.abs = lambda x: 0.0
builtins.max = lambda *a, **k: 0.0


def mdp_v(P, R, gamma, theta):
    return _v(P, R, gamma, theta) + 1.0
