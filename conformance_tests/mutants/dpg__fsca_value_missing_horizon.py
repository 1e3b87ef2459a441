"""One realistic bug: V^pi(mu) computed in its visitation form without the factor 1/(1 - gamma),
sum_s d_mu^pi(s) r_pi(s) instead of 1/(1 - gamma) sum_s d_mu^pi(s) r_pi(s) (the normalized
visitation's expectation of the reward taken as the value)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_dpg import _reward, _transition, fsca_visitation
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("fsca.value",)


def fsca_value(
    gamma: Array, mu: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array
) -> float:
    P = _transition(L, G, theta)
    r = (P * _reward(c, h, H, theta)).sum(axis=1)
    return float(np.asarray(fsca_visitation(gamma, mu, L, G, theta)) @ r)
