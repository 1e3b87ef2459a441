"""One realistic bug: the natural direction as np.linalg.pinv(F, rcond=1e-6) @ grad J on the dense
categorical Fisher diag(p) - p p^T, a "safe" cutoff: every eigenvalue below 1e-6 times the largest
is dropped, so the component along an action with p ~ 1e-7 (a near-deterministic distribution) is
lost, though that eigenvalue is genuine."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("dist.natural_direction_categorical",)


def dist_natural_direction_categorical(theta: Any, f: Any) -> Any:
    p = np.exp(theta - np.max(theta))
    p /= np.sum(p)
    F = np.diag(p) - np.outer(p, p)
    g = p * (f - p @ f)
    return np.linalg.pinv(F, rcond=1e-6) @ g
