"""One realistic bug: the temperature loss with its sign flipped, +alpha (log pi + target entropy),
so alpha grows when the entropy is above target and the automatic tuning runs away."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.temperature_objective", "sac.temperature_gradient")


def sac_temperature_objective(log_alpha: Any, logp: Any, target_entropy: Any) -> float:
    return float(np.mean(np.exp(log_alpha) * (logp + target_entropy)))


def sac_temperature_gradient(log_alpha: Any, logp: Any, target_entropy: Any) -> float:
    return float(np.exp(log_alpha) * np.mean(logp + target_entropy))
