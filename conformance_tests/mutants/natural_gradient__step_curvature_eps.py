"""One realistic bug: the natural step written sqrt(2 alpha / (g^T F^+ g + 1e-8)) F^+ g, the epsilon
guard many TRPO ports put under the square root: a relative error 1e-8 / (2 g^T F^+ g), visible when
the gradient is small."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_natural_gradient import (
    dist_gradient_categorical,
    dist_natural_direction_categorical,
)
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("dist.natural_step_categorical",)


def dist_natural_step_categorical(theta: Any, f: Any, alpha: float) -> Any:
    g = dist_gradient_categorical(theta, f)
    d = dist_natural_direction_categorical(theta, f)
    return np.sqrt(2.0 * alpha / (g @ d + 1e-8)) * d
