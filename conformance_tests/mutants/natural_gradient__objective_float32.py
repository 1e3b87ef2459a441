"""One realistic bug: the categorical objective computed in float32 (torch's default dtype for
logits and values), about 1e-7 relative error in the softmax and the sum."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dist.objective_categorical",)


def dist_objective_categorical(theta: Array, f: Array) -> float:
    t = np.asarray(theta, dtype=np.float32)
    z = np.exp(t - np.max(t))
    return float((z / np.sum(z)) @ np.asarray(f, dtype=np.float32))
