"""One realistic bug: the tabular clipped objective with d^{pi_t} from a rollout of 1000 steps, (1 -
gamma) sum_{t < 1000} gamma^t mu P^t: the tail gamma^1000 is lost (0.37 at gamma = 0.999)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_ppo import _ratio, _softmax, _visitation_and_advantage
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("ppo.clip_objective",)


def ppo_clip_objective(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any, epsilon: Any
) -> float:
    g, eps = float(gamma), float(epsilon)
    _, adv = _visitation_and_advantage(P, R, gamma, mu, theta)
    pi = _softmax(theta)
    p_pi = np.einsum("sa,sat->st", pi, P)
    d, x = np.zeros(len(mu)), np.asarray(mu, dtype=np.float64)
    for t in range(1000):
        d += (1.0 - g) * g**t * x
        x = x @ p_pi
    r = _ratio(theta, theta_new)
    return float(np.sum(d[:, None] * pi * np.minimum(r * adv, np.clip(r, 1.0 - eps, 1.0 + eps) * adv)))
