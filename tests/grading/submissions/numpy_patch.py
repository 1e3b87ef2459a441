# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: monkeypatch numpy at import (max, abs, isfinite, testing) so that a grader using
numpy in the same process would accept anything; mdp.v returns zeros."""

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


import numpy


def _lying_max(*args, **kwargs):
    return 0.0


numpy.max = _lying_max
numpy.amax = _lying_max
numpy.abs = lambda x, *a, **k: x * 0
numpy.absolute = numpy.abs
numpy.isfinite = lambda x, *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.testing.assert_array_almost_equal = lambda *a, **k: None


def mdp_v(P, R, gamma, theta):
    return np.zeros(len(P))
