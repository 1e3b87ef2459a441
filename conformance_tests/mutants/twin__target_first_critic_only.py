"""One realistic bug: the target uses the first target critic only (DDPG's target inside a TD3
implementation, the clipped double-Q trick forgotten; Fujimoto et al. 2018 show it overestimates)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("twin.target",)


def twin_target(r: Any, terminated: Any, truncated: Any, gamma: Any, q1_next: Any, q2_next: Any) -> Any:
    return np.asarray(r + gamma * (1.0 - terminated) * q1_next)
