"""One realistic bug: the critic target ignores the done mask, y = r + gamma Q'(s', pi'(s')) even at
terminal states (bootstrapping through the end of an episode; the mirror image of treating a
time-out as terminal, and as common: replay buffers that drop the `done` column)."""

from typing import Any

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("ddpg.critic_target",)


def ddpg_critic_target(r: Array, done: Array, gamma: Array, q_next: Array) -> Array:
    return r + float(gamma) * q_next
