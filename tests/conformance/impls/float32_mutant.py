"""A float32 implementation with a real bug: the bundled example in float32 (float32_example.py),
except that the squashed Gaussian's log-density uses Stable-Baselines3's correction
log(1 - tanh(u)^2 + 1e-6) (stable_baselines3/common/distributions.py,
SquashedDiagGaussianDistribution.log_prob), computed in float32 like the rest. The 1e-6 is
about 10 float32 ulps of 1 - tanh(u)^2 wherever |u| is near 3, and dominates beyond |u| ~ 7."""

from __future__ import annotations

from typing import Any

import float32_example as base
import numpy as np

globals().update({k: v for k, v in vars(base).items() if k.startswith(tuple(base.SECTION_PREFIXES))})

LOG2PI = np.float32(np.log(2.0 * np.pi))


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> Any:
    u, mean, log_std, scale = (np.asarray(x, dtype=np.float32) for x in (u, mean, log_std, scale))
    z = (u - mean) * np.exp(-log_std)
    gaussian = -0.5 * z * z - log_std - 0.5 * LOG2PI
    correction = np.log(scale) + np.log(1 - np.tanh(u) ** 2 + np.float32(1e-6))
    return np.sum(gaussian - correction, axis=-1)
