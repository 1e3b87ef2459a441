"""One realistic bug: the discount is missing on the bootstrap, y = r + (1 - done) Q'(s', pi'(s'))
(gamma applied nowhere, or applied to the reward instead)."""

from typing import Any

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("ddpg.critic_target",)


def ddpg_critic_target(r: Array, done: Array, gamma: Array, q_next: Array) -> Array:
    return r + (1.0 - done) * q_next
