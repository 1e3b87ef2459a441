"""One realistic bug: the policy loss differentiated through a non-reparameterized sample
(`dist.sample()` where `dist.rsample()` was meant, or the action detached before the critic):
the critic contributes nothing and alpha log pi only its score-function term, so the gradient is
alpha [eps / std, eps^2 - 1] / N per sample (zero in expectation) instead of the pathwise gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.policy_loss_batch_gradient",)


def sac_policy_loss_batch_gradient(
    eps: Any, mean: Any, log_std: Any, b: Any, c: Any, H: Any, scale: Any, bias: Any, alpha: Any
) -> np.ndarray[Any, Any]:
    n = mean.shape[0]
    d_mean = alpha * eps * np.exp(-log_std)
    d_log_std = alpha * (eps * eps - 1.0)
    return np.stack([d_mean / n, d_log_std / n], axis=1)
