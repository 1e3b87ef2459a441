"""One realistic bug: the naive log(1 - tanh(u)^2), which loses digits to cancellation for
moderate |u| and is log(0) = -inf once tanh(u) rounds to 1 (|u| >~ 19); the stable form is
2 (log 2 - u - softplus(-2u)) (OpenAI Spinning Up; ray-project/ray PR #65036 fixes a related
saturation corruption of the squashed-Gaussian log-probability)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.tanh_gaussian_log_prob",)


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> np.ndarray[Any, Any]:
    z = (u - mean) * np.exp(-log_std)
    gaussian = -0.5 * z * z - log_std - 0.5 * np.log(2.0 * np.pi)
    with np.errstate(divide="ignore"):
        correction = np.log(scale * (1.0 - np.tanh(u) ** 2))
    return np.asarray(np.sum(gaussian - correction, axis=-1))
