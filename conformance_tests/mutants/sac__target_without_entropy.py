"""One realistic bug: the future entropy missing from the soft Q target, y = r + gamma (1 - d)
min Q' (rail-berkeley/rlkit issue #43, "Future entropy missed in SAC", fixed in 2019)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.q_target",)


def sac_q_target(
    r: Any, done: Any, gamma: Any, q1_next: Any, q2_next: Any, logp_next: Any, alpha: Any
) -> np.ndarray[Any, Any]:
    return np.asarray(r + gamma * (1.0 - done) * np.minimum(q1_next, q2_next))
