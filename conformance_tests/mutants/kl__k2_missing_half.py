"""One realistic bug: k2 without its 1/2, mean((log r)^2): twice the KL to second order."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("kl.k2",)


def kl_k2(logp_new: Any, logp_old: Any) -> float:
    return float(np.mean((logp_new - logp_old) ** 2))
