"""One realistic bug: max instead of min over the twin target critics (the clipped double-Q
trick inverted, which brings back the overestimation it is meant to remove)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.q_target",)


def sac_q_target(
    r: Any, done: Any, gamma: Any, q1_next: Any, q2_next: Any, logp_next: Any, alpha: Any
) -> np.ndarray[Any, Any]:
    return np.asarray(r + gamma * (1.0 - done) * (np.maximum(q1_next, q2_next) - alpha * logp_next))
