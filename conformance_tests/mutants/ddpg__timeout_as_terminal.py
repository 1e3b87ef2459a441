"""One realistic bug: a time-out treated as a terminal state, done = terminated or truncated, so the
target stops bootstrapping where the episode was merely cut by a time limit (the bug Pardo et al.
2018 describe, and the reason Gymnasium split `done` into `terminated` and `truncated`)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("ddpg.critic_target_timeouts",)


def ddpg_critic_target_timeouts(
    r: Array, terminated: Array, truncated: Array, gamma: Array, q_next: Array
) -> Array:
    done = np.maximum(terminated, truncated)
    return r + float(gamma) * (1.0 - done) * q_next
