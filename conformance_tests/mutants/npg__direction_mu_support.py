"""One realistic bug: F^+ grad V computed on the "visited" states taken as mu's support (mu(s) > 0)
instead of d's support: a state the start distribution never starts in but the policy reaches gets 0
instead of (A - mean A) / (1 - gamma)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.direction",)


def npg_direction(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    adv = _advantage(P, R, gamma, theta)
    centred = (adv - np.mean(adv, axis=1, keepdims=True)) / (1.0 - float(gamma))
    return np.where((np.asarray(mu) > 0)[:, None], centred, 0.0)
