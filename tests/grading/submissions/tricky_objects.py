# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: return objects that claim equality with anything: an ndarray subclass whose __eq__,
__sub__ and __abs__ lie, an object whose __array__ and __float__ return surprises, a float
subclass equal to everything. The numbers underneath are wrong (zeros, 42, NaN)."""

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


class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __sub__(self, other):
        return np.zeros(np.shape(self)).view(Liar)

    __rsub__ = __sub__

    def __abs__(self):
        return np.zeros(np.shape(self)).view(Liar)


class FloatLiar(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__

    def __abs__(self):
        return 0.0

    def __hash__(self):
        return 0


class ArrayLiar:
    def __init__(self, shape):
        self.shape = shape

    def __array__(self, dtype=None, copy=None):
        return np.full(self.shape, FloatLiar(42.0), dtype=object)

    def __float__(self):
        return FloatLiar(42.0)

    def __eq__(self, other):
        return True

    def __len__(self):
        return self.shape[0]


def mdp_v(P, R, gamma, theta):
    return np.zeros(len(P)).view(Liar)


def mdp_q(P, R, gamma, theta):
    return ArrayLiar((P.shape[0], P.shape[1]))


def pg_objective(P, R, gamma, mu, theta):
    return FloatLiar("nan")
