"""One realistic bug: the tanh correction written log(1 - tanh(u)^2 + 1e-6), the epsilon-guarded
form many SAC ports ship (cpnota/autonomous-learning-library issue #139, thu-ml/tianshou's
`self.__eps`): off by up to 1e-6 per dimension near u = 0 and capped at log(1e-6) for large |u|."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.tanh_gaussian_log_prob",)


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> np.ndarray[Any, Any]:
    z = (u - mean) * np.exp(-log_std)
    gaussian = -0.5 * z * z - log_std - 0.5 * np.log(2.0 * np.pi)
    correction = np.log(scale * (1.0 - np.tanh(u) ** 2) + 1e-6)
    return np.asarray(np.sum(gaussian - correction, axis=-1))
