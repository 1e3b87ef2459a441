"""One realistic bug: the GAE trace is cut only where an episode terminates, so after a time-out
the advantage keeps accumulating the TD errors of the next episode (the environment was reset
in between). Implementations that learned of truncation late fixed the bootstrap but kept the
trace mask (1 - terminated) (Pardo et al. 2018; Gymnasium's terminated/truncated split)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("gae.advantage",)


def gae_advantage(
    rewards: Any, values: Any, next_values: Any, terminated: Any, truncated: Any, gamma: Any, lmbda: Any
) -> Any:
    deltas = rewards + gamma * (1.0 - terminated) * next_values - values
    out = np.zeros_like(deltas)
    following = np.zeros(deltas.shape[1])
    for t in reversed(range(deltas.shape[0])):
        keep = 0.0 if t == deltas.shape[0] - 1 else 1.0 - terminated[t]
        following = deltas[t] + gamma * lmbda * keep * following
        out[t] = following
    return out
