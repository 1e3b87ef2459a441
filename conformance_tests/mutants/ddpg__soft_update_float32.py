"""One realistic bug: the soft target update tau theta + (1 - tau) theta' computed in float32 (target
networks kept in float32): a float32 rounding of every parameter."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("ddpg.soft_update",)


def ddpg_soft_update(theta: Any, theta_target: Any, tau: Any) -> Any:
    t = np.float32(tau)
    return (t * theta.astype(np.float32) + (np.float32(1) - t) * theta_target.astype(np.float32)).astype(
        np.float64
    )
