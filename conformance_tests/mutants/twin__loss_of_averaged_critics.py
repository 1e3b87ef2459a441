"""One realistic bug: one loss on the average of the two critics, (mean(Q1, Q2) - y)^2, instead
of a loss per critic: the two critics are no longer each fitted to the target."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("twin.loss",)


def twin_loss(q1: Any, q2: Any, y: Any) -> float:
    return float(2.0 * np.mean((0.5 * (q1 + q2) - y) ** 2))
