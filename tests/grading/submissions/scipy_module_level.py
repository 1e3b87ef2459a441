# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Honest: scipy imported at module level (scipy needs ctypes), linear solves by scipy.linalg."""

import numpy as np
import scipy.linalg


def _pi(theta):
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def mdp_v(P, R, gamma, theta):
    pi = _pi(theta)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    return scipy.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)


def mdp_q(P, R, gamma, theta):
    return np.einsum("sat,sat->sa", P, R) + gamma * P @ mdp_v(P, R, gamma, theta)


def pg_objective(P, R, gamma, mu, theta):
    return float(mu @ mdp_v(P, R, gamma, theta))
