"""One realistic bug: the batch policy loss with the actor's log_std clipped to [-20, 2] (SB3's
LOG_STD_MIN / LOG_STD_MAX): exact in [-20, 2], the wrong std (both in the sample and the log-
density) beyond."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_sac import sac_policy_loss_batch as _loss
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.policy_loss_batch",)
VECTORS_MISS = "no stored log_std is outside [-20, 2]"


def sac_policy_loss_batch(
    eps: Any, mean: Any, log_std: Any, b: Any, c: Any, H: Any, scale: Any, bias: Any, alpha: float
) -> float:
    return _loss(eps, mean, np.clip(log_std, -20.0, 2.0), b, c, H, scale, bias, alpha)
