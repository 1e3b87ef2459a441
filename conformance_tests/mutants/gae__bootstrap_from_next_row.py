"""One realistic bug: the bootstrap value of step t is read from values[t + 1] (and a separate
last value at the rollout's end), the layout of a buffer that stores only V(s_t). Inside an
episode that is the same number, but after a time-out values[t + 1] is the value of the reset
observation of the next episode, not of the state the step reached."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_blocks import gae_advantage as _correct
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("gae.advantage",)


def gae_advantage(
    rewards: Any, values: Any, next_values: Any, terminated: Any, truncated: Any, gamma: Any, lmbda: Any
) -> Any:
    shifted = np.concatenate([values[1:], next_values[-1:]], axis=0)
    return _correct(rewards, values, shifted, terminated, truncated, gamma, lmbda)
