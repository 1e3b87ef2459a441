"""One realistic bug: the n-step window sums n + 1 rewards before bootstrapping (a loop bound of
range(n + 1), the off-by-one of replay buffers that count the bootstrap transition as a step)."""

from typing import Any

from rlspec.conformance_tests.examples.np_blocks import nstep_return as _correct
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("nstep.return",)


def nstep_return(rewards: Any, next_values: Any, terminated: Any, truncated: Any, gamma: Any, n: Any) -> Any:
    return _correct(rewards, next_values, terminated, truncated, gamma, int(n) + 1)
