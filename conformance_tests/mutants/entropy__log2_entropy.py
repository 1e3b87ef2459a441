"""One realistic bug: the entropy measured in bits (log base 2, as scipy.stats.entropy(p, base=2)
or a `np.log2` slip) instead of nats; the lecture's H uses the natural log."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("entropy.h",)


def entropy_h(theta: Array) -> Array:
    z = theta - np.max(theta, axis=1, keepdims=True)
    p = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
    return -np.sum(p * np.log2(np.maximum(p, 1e-300)), axis=1)
