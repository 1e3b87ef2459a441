"""One realistic bug: the Gaussian score computed with log_std clipped to [-20, 2] first (the
LOG_STD_MIN / LOG_STD_MAX clamp of SB3's SAC actor, applied where the parameter is read): exact for
log_std in [-20, 2], wrong beyond either end of the accepted domain [-50, 50]."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("dist.score_gaussian",)
VECTORS_MISS = "no stored log_std is outside [-20, 2]"


def dist_score_gaussian(mean: Any, log_std: Any, x: Any) -> Any:
    sigma = np.exp(np.clip(log_std, -20.0, 2.0))
    z = (x - mean) / sigma
    return np.concatenate([z / sigma, z**2 - 1.0])
