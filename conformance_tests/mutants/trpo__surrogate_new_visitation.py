"""One realistic bug: the surrogate V_t weighted by the new policy's visitation d^{pi_new} instead
of the data-collecting policy's d^{pi_t} (eq 23's exact right-hand side, not eq 24's surrogate)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation
from rlspec.conformance_tests.examples.np_trpo import _objective
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.surrogate",)


def trpo_surrogate(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    d_new = _visitation(P, gamma, mu, theta_new)
    gain = float(d_new @ np.sum(_policy(theta_new) * _advantage(P, R, gamma, theta), axis=1))
    return _objective(P, R, gamma, mu, theta) + gain / (1.0 - float(gamma))
