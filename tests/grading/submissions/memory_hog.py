# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: mdp.v allocates memory until it runs out; mdp.q asks numpy for 80 GB at once."""

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


def pg_objective(P, R, gamma, mu, theta):
    return float(mu @ _v(P, R, gamma, theta))


def mdp_v(P, R, gamma, theta):
    hoard = []
    while True:
        hoard.append(np.empty(50_000_000))  # 400 MB of address space each, never touched


def mdp_q(P, R, gamma, theta):
    return np.ones(10**10)
