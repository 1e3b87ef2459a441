"""One realistic bug: the time-out target with the bootstrap mask 1 - terminated, then set back to 1
wherever truncated (mask[truncated] = 1, "bootstrap on time-outs"): a transition that is both
terminated and truncated (a terminal state reached on the last step) is bootstrapped, though
terminated must win."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("ddpg.critic_target_timeouts",)


def ddpg_critic_target_timeouts(r: Any, terminated: Any, truncated: Any, gamma: Any, q_next: Any) -> Any:
    mask = 1.0 - np.asarray(terminated, dtype=np.float64)
    mask[np.asarray(truncated) > 0] = 1.0
    return r + float(gamma) * mask * q_next
