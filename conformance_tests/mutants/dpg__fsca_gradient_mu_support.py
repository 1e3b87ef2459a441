"""One realistic bug: the DPG gradient summed over the states mu starts in (mu(s) > 0), the start
distribution's support taken for d's: states the policy reaches but mu never starts in contribute
nothing."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_dpg import fsca_gradient as _fsca_gradient
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("fsca.gradient",)
VECTORS_MISS = "no stored fsca instance has mu = 0 on a reached state"


def fsca_gradient(gamma: Any, mu: Any, L: Any, G: Any, c: Any, h: Any, H: Any, theta: Any) -> Any:
    full = _fsca_gradient(gamma, mu, L, G, c, h, H, theta)
    return np.where((np.asarray(mu) > 0)[:, None], full, 0.0)
