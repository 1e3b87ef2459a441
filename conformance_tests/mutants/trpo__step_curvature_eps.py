"""One realistic bug: the TRPO step with the epsilon guard sqrt(2 delta / (g^T F^+ g + 1e-8)), common
in PyTorch TRPO ports: a relative error ~ 1e-8 / (2 g^T F^+ g), large when the gradient is small."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation, npg_direction
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.step",)


def trpo_step(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any) -> Any:
    x = npg_direction(P, R, gamma, mu, theta)
    d = _visitation(P, gamma, mu, theta)
    grad = d[:, None] * _policy(theta) * _advantage(P, R, gamma, theta) / (1.0 - float(gamma))
    return np.sqrt(2.0 * float(delta) / (float(np.sum(grad * x)) + 1e-8)) * x
