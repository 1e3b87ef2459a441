"""One realistic bug: float32 arithmetic (a float32 torch/jax default) for V^pi."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = NDArray[np.float64]
KILLS = ("mdp.v",)


def mdp_v(P: Array, R: Array, gamma: float, theta: Array) -> Array:
    p, r, t = (np.asarray(x, dtype=np.float32) for x in (P, R, theta))
    z = np.exp(t - t.max(axis=1, keepdims=True))
    pi = z / z.sum(axis=1, keepdims=True)
    p_pi = np.einsum("sa,sat->st", pi, p)
    r_pi = np.einsum("sa,sat,sat->s", pi, p, r)
    v = np.linalg.solve(np.eye(len(p), dtype=np.float32) - np.float32(gamma) * p_pi, r_pi)
    return np.asarray(v, dtype=np.float64)
