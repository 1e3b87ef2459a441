"""One realistic bug: E f(X) for a diagonal Gaussian with the standard deviation floored at 1e-4 (the
scale lower bound of torchrl-style scale mappings, applied to exp(log_std)): wrong only for log_std
below log(1e-4) ~ -9.2, i.e. near the low end of the domain."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("dist.objective_gaussian",)
VECTORS_MISS = "no stored log_std is below log(1e-4)"


def dist_objective_gaussian(mean: Any, log_std: Any, c: float, b: Any, H: Any) -> float:
    var = np.maximum(np.exp(log_std), 1e-4) ** 2
    return float(c + b @ mean + mean @ H @ mean + np.diag(H) @ var)
