"""One realistic bug: the DPG gradient without the factor 1/(1 - gamma) (the expectation over the
normalized visitation d_mu taken as if it were the unnormalized discounted sum, or the factor
simply dropped)."""

from typing import Any

from rlspec.conformance_tests.examples import np_dpg
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dpg.gradient", "fsca.gradient")


def dpg_gradient(
    gamma: Array, A: Array, B: Array, Q: Array, R: Array, W: Array, Sigma0: Array, K: Array
) -> Array:
    return (1.0 - float(gamma)) * np_dpg.dpg_gradient(gamma, A, B, Q, R, W, Sigma0, K)


def fsca_gradient(
    gamma: Array, mu: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array
) -> Array:
    return (1.0 - float(gamma)) * np_dpg.fsca_gradient(gamma, mu, L, G, c, h, H, theta)
