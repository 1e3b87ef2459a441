"""One realistic bug: one noise sample shared by the whole batch (eps drawn with shape [m]
instead of [N, m] and broadcast), so every state is evaluated at the same quantile of its policy."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import np_sac
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.policy_loss_batch", "sac.policy_loss_batch_gradient")
EXAMPLES = 20  # needs a batch of at least two states


def sac_policy_loss_batch(
    eps: Any, mean: Any, log_std: Any, b: Any, c: Any, H: Any, scale: Any, bias: Any, alpha: Any
) -> float:
    shared = np.broadcast_to(eps[0], eps.shape)
    return np_sac.sac_policy_loss_batch(shared, mean, log_std, b, c, H, scale, bias, alpha)


def sac_policy_loss_batch_gradient(
    eps: Any, mean: Any, log_std: Any, b: Any, c: Any, H: Any, scale: Any, bias: Any, alpha: Any
) -> np.ndarray[Any, Any]:
    shared = np.broadcast_to(eps[0], eps.shape)
    return np_sac.sac_policy_loss_batch_gradient(shared, mean, log_std, b, c, H, scale, bias, alpha)
