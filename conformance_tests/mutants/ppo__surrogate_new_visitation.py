"""One realistic bug: the surrogate weighted by the new policy's state visitation d^{pi_new}
instead of the data-collecting policy's d^{pi_t} (states re-weighted as if re-collected)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_ppo import _ratio, _softmax, _visitation_and_advantage
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
Scalar = float | np.floating[Any] | Array
KILLS = ("ppo.surrogate",)


def ppo_surrogate(P: Array, R: Array, gamma: Scalar, mu: Array, theta: Array, theta_new: Array) -> float:
    _, adv = _visitation_and_advantage(P, R, gamma, mu, theta)
    d_new, _ = _visitation_and_advantage(P, R, gamma, mu, theta_new)
    return float(np.sum(d_new[:, None] * _softmax(theta) * _ratio(theta, theta_new) * adv))
