"""One realistic bug: the critic loss squares the mean TD error instead of averaging the squared
errors, (mean_i (Q_i - y_i))^2 (the reduction applied before the square)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("ddpg.critic_loss",)


def ddpg_critic_loss(q: Array, y: Array) -> float:
    return float(np.mean(q - y) ** 2)
