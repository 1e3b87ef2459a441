"""One realistic bug: the clipped value loss takes the min of the clipped and unclipped squared
errors (copying PPO's policy min without flipping it for a loss), an optimistic bound that lets
the value move freely where clipping would hold it."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("value.clipped_loss",)


def value_clipped_loss(values: Any, old_values: Any, returns: Any, epsilon: Any) -> float:
    clipped = old_values + np.clip(values - old_values, -epsilon, epsilon)
    return float(np.mean(np.minimum((values - returns) ** 2, (clipped - returns) ** 2)))
