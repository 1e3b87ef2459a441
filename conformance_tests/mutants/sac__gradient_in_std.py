"""One realistic bug: the policy gradient taken with respect to std where the policy is
parameterized by log_std (the chain-rule factor std missing), for both policy forms."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import np_sac
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.policy_gradient", "sac.squashed_policy_gradient")


def sac_policy_gradient(mean: Any, log_std: Any, b: Any, c: Any, H: Any, alpha: Any) -> np.ndarray[Any, Any]:
    grad = np_sac.sac_policy_gradient(mean, log_std, b, c, H, alpha)
    grad[:, 1, :] /= np.exp(log_std)
    return grad


def sac_squashed_policy_gradient(
    mean: Any, log_std: Any, b: Any, c: Any, H: Any, scale: Any, bias: Any, alpha: Any
) -> np.ndarray[Any, Any]:
    grad = np_sac.sac_squashed_policy_gradient(mean, log_std, b, c, H, scale, bias, alpha)
    grad[:, 1, :] /= np.exp(log_std)
    return grad
