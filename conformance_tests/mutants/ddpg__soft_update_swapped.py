"""One realistic bug: the soft target update with tau and 1 - tau swapped,
theta' <- (1 - tau) theta + tau theta' (the target then jumps almost all the way to the online
network each step; a classic when a library's "polyak" parameter means 1 - tau)."""

from typing import Any

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("ddpg.soft_update",)


def ddpg_soft_update(theta: Array, theta_target: Array, tau: Array) -> Array:
    t = float(tau)
    return (1.0 - t) * theta + t * theta_target
