"""One realistic bug: the correction computed as log(1 - a * a): a * a rounds to 1 within eps,
so 1 - a^2 keeps only eps / (1 - a^2) of relative accuracy near |a| = 1 (log1p(-a) + log1p(a)
is exact there)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("squashed.log_prob",)


def squashed_log_prob(action: Any, mean: Any, log_std: Any) -> Any:
    u = np.arctanh(action)
    z = (u - mean) * np.exp(-log_std)
    gaussian = -0.5 * z * z - log_std - 0.5 * np.log(2.0 * np.pi)
    return np.sum(gaussian - np.log(1.0 - action * action), axis=-1)
