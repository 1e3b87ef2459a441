"""One realistic bug: V* by value iteration stopped as soon as the greedy policy is the same for two
consecutive sweeps (the stopping rule of policy iteration carried over to value iteration): the
greedy policy is often right long before the values converge."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("mdp.v_star",)


def mdp_v_star(P: Any, R: Any, gamma: float) -> Any:
    r = np.einsum("sat,sat->sa", P, R)
    v = np.zeros(P.shape[0])
    greedy = None
    for _ in range(100000):
        q = r + gamma * P @ v
        v, previous, greedy = q.max(axis=1), greedy, q.argmax(axis=1)
        if previous is not None and np.array_equal(previous, greedy):
            break
    return v
