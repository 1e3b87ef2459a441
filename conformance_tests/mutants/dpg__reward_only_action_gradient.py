"""One realistic bug: grad_a Q computed through the reward only, sum_s' P(s'|s,a) grad_a r(s,a,s'),
dropping the terms through grad_a P(s'|s,a) (the second and third terms of the lecture's eq 39;
right only when the transition does not depend on the action)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import np_dpg
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("fsca.gradient",)


def fsca_gradient(
    gamma: Array, mu: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array
) -> Array:
    g = float(gamma)
    d = np_dpg.fsca_visitation(gamma, mu, L, G, theta)
    P = np_dpg._transition(L, G, theta)
    dr = h - np.einsum("sij,sj->si", H + np.transpose(H, (0, 2, 1)), theta)[:, None, :]
    return d[:, None] / (1 - g) * np.einsum("st,stm->sm", P, dr)
