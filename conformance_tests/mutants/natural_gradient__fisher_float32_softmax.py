"""One realistic bug: the categorical Fisher diag(p) - p p^T with p from a float32 softmax (the logits
tensor was float32), every later step in float64: errors of a few float32 ulps of p."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("dist.fisher_categorical",)


def dist_fisher_categorical(theta: Any) -> Any:
    t = np.asarray(theta, dtype=np.float32)
    z = np.exp(t - np.max(t))
    p = (z / np.sum(z)).astype(np.float64)
    return np.diag(p) - np.outer(p, p)
