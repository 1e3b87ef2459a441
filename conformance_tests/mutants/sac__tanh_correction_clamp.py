"""One realistic bug: the tanh correction as log((1 - tanh(u)^2).clamp(min=1e-6)): exact while |u| <
~7.6, then the correction is capped at log(1e-6) ~ -13.8 though the true value keeps falling ~ -2|u|
(a saturated squashing)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.tanh_gaussian_log_prob",)


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> Any:
    z = (u - mean) * np.exp(-log_std)
    gaussian = -0.5 * z * z - log_std - 0.5 * np.log(2.0 * np.pi)
    x = np.exp(-2.0 * np.abs(u))
    sech2 = 4.0 * x / (1.0 + x) ** 2
    correction = np.log(scale) + np.log(np.maximum(sech2, 1e-6))
    return np.sum(gaussian - correction, axis=-1)
