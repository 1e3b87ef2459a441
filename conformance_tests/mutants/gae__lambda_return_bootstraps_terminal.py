"""One realistic bug: the lambda-return bootstraps from V(s_{t+1}) at a terminal step (the mask
(1 - terminated) left out of the return while the trace is cut): a terminal state gets the
critic's value instead of 0."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_blocks import gae_lambda_return as _correct
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("gae.lambda_return",)


def gae_lambda_return(
    rewards: Any, next_values: Any, terminated: Any, truncated: Any, gamma: Any, lmbda: Any
) -> Any:
    done = np.maximum(terminated, truncated)
    return _correct(rewards, next_values, np.zeros_like(terminated), done, gamma, lmbda)
