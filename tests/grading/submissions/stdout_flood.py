# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: mdp.v prints 40 MB to stdout and stderr, then returns the right value (it deserves
its points: printing is allowed); mdp.q prints forever."""

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


import os
import sys


def mdp_v(P, R, gamma, theta):
    line = "x" * 10_000 + "\n"
    for _ in range(2000):
        sys.stdout.write(line)
        sys.stderr.write(line)
    os.write(1, line.encode() * 100)
    os.write(2, line.encode() * 100)
    return _v(P, R, gamma, theta)


def mdp_q(P, R, gamma, theta):
    while True:
        print("y" * 100_000)
