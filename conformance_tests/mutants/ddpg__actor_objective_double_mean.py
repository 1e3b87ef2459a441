"""One realistic bug: the actor objective reduced twice, mean_i Q(s_i, pi(s_i)) / N (a mean
followed by a division by the batch size, as when a per-sample loss already averaged is divided
again), which matches neither the mean nor the sum convention. (The sign is not a bug here: the
loss -J is a declared convention.)"""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("ddpg.actor_objective",)


def ddpg_actor_objective(q_pi: Array) -> float:
    return float(np.mean(q_pi) / np.size(q_pi))
