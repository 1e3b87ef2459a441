"""One realistic bug: the DPG gradient weighted by the stationary distribution of the closed-loop
chain instead of the discounted visitation d_mu (the on-policy replay distribution, which
ignores both mu and gamma)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import np_dpg
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("fsca.visitation", "fsca.gradient")


def fsca_visitation(gamma: Array, mu: Array, L: Array, G: Array, theta: Array) -> Array:
    P = np_dpg._transition(L, G, theta)
    n = len(mu)
    # stationary: d^T (P - I) = 0, sum d = 1 (the softmax chain is irreducible)
    system = np.vstack([(P - np.eye(n)).T, np.ones((1, n))])
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    return np.linalg.lstsq(system, rhs, rcond=None)[0]


def fsca_gradient(
    gamma: Array, mu: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array
) -> Array:
    exact = np_dpg.fsca_gradient(gamma, mu, L, G, c, h, H, theta)
    d = np_dpg.fsca_visitation(gamma, mu, L, G, theta)
    stationary = fsca_visitation(gamma, mu, L, G, theta)
    return exact / np.where(d == 0.0, 1.0, d)[:, None] * stationary[:, None]
