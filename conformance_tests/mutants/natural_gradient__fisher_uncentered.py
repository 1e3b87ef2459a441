"""One realistic bug: the categorical Fisher computed as E[e_X e_X^T] = diag(p), the outer product of
the one-hot "score" without subtracting its mean p (so the p p^T term is lost), and the natural
direction preconditioned with it: diag(p)^{-1} grad J = f - J instead of f - mean(f)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dist.fisher_categorical", "dist.natural_direction_categorical")


def _softmax(theta: Array) -> Array:
    z = np.exp(theta - np.max(theta))
    return z / np.sum(z)


def dist_fisher_categorical(theta: Array) -> Array:
    return np.diag(_softmax(theta))


def dist_natural_direction_categorical(theta: Array, f: Array) -> Array:
    p = _softmax(theta)
    g = p * (f - p @ f)
    return np.linalg.solve(dist_fisher_categorical(theta), g)
