"""One realistic bug: the squashing correction log(1 - a^2 + 1e-6) (Stable-Baselines3's
SquashedDiagGaussianDistribution.log_prob, which SB3's SAC trains with): off by
log(1 + 1e-6 / (1 - a^2)) nats, 13.8 at 1 - a^2 = 1e-12."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("squashed.log_prob",)


def squashed_log_prob(action: Any, mean: Any, log_std: Any) -> Any:
    u = np.arctanh(action)
    z = (u - mean) * np.exp(-log_std)
    gaussian = -0.5 * z * z - log_std - 0.5 * np.log(2.0 * np.pi)
    return np.sum(gaussian - np.log(1.0 - action**2 + 1e-6), axis=-1)
