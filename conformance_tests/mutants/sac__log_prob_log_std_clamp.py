"""One realistic bug: the tanh-Gaussian log-density with log_std clipped to [-20, 2] (SB3's LOG_STD_MIN
/ LOG_STD_MAX, applied inside the log-probability): exact in [-20, 2], wrong for log_std beyond
either end of the accepted domain."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_sac import sac_tanh_gaussian_log_prob as _log_prob
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.tanh_gaussian_log_prob",)
VECTORS_MISS = "no stored log_std is outside [-20, 2]"


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> Any:
    return _log_prob(u, mean, np.clip(log_std, -20.0, 2.0), scale)
