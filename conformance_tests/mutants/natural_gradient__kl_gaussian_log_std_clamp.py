"""One realistic bug: KL between diagonal Gaussians with both log_std clipped to [-20, 2] (SB3's
LOG_STD_MIN / LOG_STD_MAX): right for log_std in [-20, 2] only."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("dist.kl_gaussian",)


def dist_kl_gaussian(mean: Any, log_std: Any, mean_new: Any, log_std_new: Any) -> float:
    ls, ls_new = np.clip(log_std, -20.0, 2.0), np.clip(log_std_new, -20.0, 2.0)
    var_new = np.exp(2.0 * ls_new)
    ratio = np.exp(2.0 * (ls - ls_new))
    return float(np.sum(ls_new - ls + 0.5 * (ratio - 1.0) + (mean - mean_new) ** 2 / (2.0 * var_new)))
