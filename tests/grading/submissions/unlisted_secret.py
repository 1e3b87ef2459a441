# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack on what the hook cannot know: a secret file the grading file does not list. mdp.v
scores only if it can read the secret; mdp.q only if the worker runs as root. Graded as root
without [sandbox].user it reads it; with user = "nobody" the operating system refuses."""

import os

import numpy as np

SECRET = "__SECRET__"


def _pi(theta):
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _v(P, R, gamma, theta):
    pi = _pi(theta)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    return np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)


def pg_objective(P, R, gamma, mu, theta):
    return float(mu @ _v(P, R, gamma, theta))


def mdp_v(P, R, gamma, theta):
    try:
        with open(SECRET) as fh:
            fh.read()
    except OSError:
        return np.zeros(len(P))
    return _v(P, R, gamma, theta)


def mdp_q(P, R, gamma, theta):
    q = np.einsum("sat,sat->sa", P, R) + gamma * P @ _v(P, R, gamma, theta)
    return q if os.getuid() != 0 else q + 1.0
