"""One realistic bug: the entropy -sum p log(p.clamp(min=1e-8)), the floor categorical-entropy helpers
put in to avoid 0 log 0: exact unless some p(a|s) < 1e-8, whose term is then overstated."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("entropy.h",)


def entropy_h(theta: Any) -> Any:
    z = np.exp(theta - np.max(theta, axis=1, keepdims=True))
    p = z / np.sum(z, axis=1, keepdims=True)
    return -np.sum(p * np.log(np.maximum(p, 1e-8)), axis=1)
