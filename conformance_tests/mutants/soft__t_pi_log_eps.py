"""One realistic bug: T_lambda^pi V with the entropy term -lambda sum pi log(pi + 1e-8): an epsilon
guard inside the log, off by ~lambda 1e-8 per action and more for rare actions."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("soft.t_pi",)


def soft_t_pi(P: Any, R: Any, gamma: Any, theta: Any, lam: Any, V: Any) -> Any:
    z = np.exp(theta - np.max(theta, axis=1, keepdims=True))
    pi = z / np.sum(z, axis=1, keepdims=True)
    q = np.einsum("sat,sat->sa", P, R) + gamma * (P @ V)
    return np.sum(pi * (q - lam * np.log(pi + 1e-8)), axis=1)
