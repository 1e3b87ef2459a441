"""One realistic bug: omega* = A - mean A on the states with mu(s) > 0, the start distribution's
support taken for the visited states: reached-but-never-started states get 0."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.compatible_regression",)


def npg_compatible_regression(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    adv = _advantage(P, R, gamma, theta)
    return np.where((np.asarray(mu) > 0)[:, None], adv - np.mean(adv, axis=1, keepdims=True), 0.0)
