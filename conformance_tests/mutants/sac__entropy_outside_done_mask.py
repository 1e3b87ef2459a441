"""One realistic bug: the entropy term of the SAC target outside the done mask,
y = r + gamma (1 - d) min Q' - alpha log pi, so terminal transitions still get an entropy bonus
(Stable-Baselines3 issue #76, fixed in 2020; rail-berkeley/serl issue #93)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.q_target",)


def sac_q_target(
    r: Any, done: Any, gamma: Any, q1_next: Any, q2_next: Any, logp_next: Any, alpha: Any
) -> np.ndarray[Any, Any]:
    return np.asarray(r + gamma * (1.0 - done) * np.minimum(q1_next, q2_next) - alpha * logp_next)
