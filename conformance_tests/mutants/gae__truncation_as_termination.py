"""One realistic bug: done = terminated or truncated drops the bootstrap value at a time-out as
if the state reached were terminal (CleanRL's ppo.py before its truncation fix; the reason
Gymnasium split `done`, Pardo et al. 2018): the advantage at every time-out is biased by
-gamma V(s_{t+1})."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_blocks import gae_advantage as _correct
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("gae.advantage",)


def gae_advantage(
    rewards: Any, values: Any, next_values: Any, terminated: Any, truncated: Any, gamma: Any, lmbda: Any
) -> Any:
    done = np.maximum(terminated, truncated)
    return _correct(rewards, values, next_values, done, truncated, gamma, lmbda)
