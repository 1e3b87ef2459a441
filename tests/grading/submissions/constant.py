# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: constant answers of the right shape (zeros), for every formula graded."""

import numpy as np


def mdp_v(P, R, gamma, theta):
    return np.zeros(len(P))


def mdp_q(P, R, gamma, theta):
    return np.zeros(theta.shape)


def pg_objective(P, R, gamma, mu, theta):
    return 0.0


def npg_direction(P, R, gamma, mu, theta):
    return np.zeros(theta.shape)
