"""One realistic bug: V^pi on the finite-state / continuous-action family by iterating V <- r + gamma P
V until the change is below 1e-10: the remaining error ~ 1e-10 gamma / (1 - gamma) shows at gamma
near 1."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_dpg import _reward, _transition
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("fsca.v",)


def fsca_v(gamma: Any, L: Any, G: Any, c: Any, h: Any, H: Any, theta: Any) -> Any:
    P = _transition(L, G, theta)
    r = (P * _reward(c, h, H, theta)).sum(axis=1)
    v = np.zeros(len(r))
    for _ in range(100000):
        new = r + float(gamma) * P @ v
        done = np.max(np.abs(new - v)) < 1e-10
        v = new
        if done:
            break
    return v
