"""One realistic bug: the TRPO lower bound with eps_t = max |A^{pi_t}(s, a)| taken over the states mu
starts in (the states a batch of first steps would show) rather than over all states: too small a
penalty when the largest advantage sits at a state mu never starts in."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage
from rlspec.conformance_tests.examples.np_trpo import trpo_max_kl, trpo_surrogate
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.lower_bound",)


def trpo_lower_bound(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    g = float(gamma)
    adv = np.abs(_advantage(P, R, gamma, theta))[np.asarray(mu) > 0]
    eps_t = float(np.max(adv))
    penalty = 2.0 * g * eps_t / (1.0 - g) ** 2 * trpo_max_kl(theta, theta_new)
    return trpo_surrogate(P, R, gamma, mu, theta, theta_new) - penalty
