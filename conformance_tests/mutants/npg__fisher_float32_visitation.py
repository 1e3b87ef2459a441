"""One realistic bug: the discounted Fisher with d_mu^pi from a float32 linear solve (torch's default
dtype), the per-state blocks in float64: float32 errors in the weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _block_fisher, _policy, _transition
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.fisher",)


def npg_fisher(P: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    pi = _policy(theta)
    p_pi = _transition(P, pi).astype(np.float32)
    g = np.float32(gamma)
    n = p_pi.shape[0]
    d = np.linalg.solve(np.eye(n, dtype=np.float32) - g * p_pi.T, (1 - g) * np.asarray(mu, np.float32))
    return _block_fisher(d.astype(np.float64), pi)
