"""One realistic bug: the tabular ratio pi_new / (pi_old + 1e-8) from probabilities, the epsilon guard
of discrete-action PPO code that stores probabilities: a relative error 1e-8 / pi_old, large for
actions the old policy almost never takes."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("ppo.ratio",)


def ppo_ratio(theta: Any, theta_new: Any) -> Any:
    def probs(t: Any) -> Any:
        z = np.exp(t - np.max(t, axis=-1, keepdims=True))
        return z / np.sum(z, axis=-1, keepdims=True)

    return probs(np.asarray(theta_new)) / (probs(np.asarray(theta)) + 1e-8)
