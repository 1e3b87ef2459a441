"""One realistic bug: V_lambda^pi with log pi from a float32 log-softmax (the policy network's dtype),
the linear solve in float64: the entropy bonus carries float32 errors, amplified by 1/(1 - gamma)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("soft.v_pi",)


def soft_v_pi(P: Any, R: Any, gamma: Any, theta: Any, lam: Any) -> Any:
    t = np.asarray(theta, dtype=np.float32)
    z = t - np.max(t, axis=1, keepdims=True)
    lp = (z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))).astype(np.float64)
    pi = np.exp(lp)
    reward = np.sum(pi * (np.einsum("sat,sat->sa", P, R) - lam * lp), axis=1)
    return np.linalg.solve(np.eye(len(reward)) - gamma * np.einsum("sa,sat->st", pi, P), reward)
