"""One realistic bug: the n-step window is not shortened where an episode ends: rewards of the
next episode (after the reset) enter the return, masked only by the terminal flag of the
window's last step (a fixed-stride n-step buffer without episode boundaries)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("nstep.return",)


def nstep_return(rewards: Any, next_values: Any, terminated: Any, truncated: Any, gamma: Any, n: Any) -> Any:
    steps = rewards.shape[0]
    out = np.zeros_like(rewards)
    for t in range(steps):
        last = min(t + int(n), steps) - 1
        total = sum(gamma ** (j - t) * rewards[j] for j in range(t, last + 1))
        out[t] = total + gamma ** (last - t + 1) * (1.0 - terminated[last]) * next_values[last]
    return out
