"""One realistic bug: F^+ grad V block by block with np.linalg.pinv(B_s, rcond=1e-5), a cutoff chosen
"to be safe" from the block's own largest eigenvalue: genuine eigenvalues ~ d(s) pi(a|s) of an
action the policy almost never takes fall under it and that action's component is dropped."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.direction",)


def npg_direction(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    pi = _policy(theta)
    d = _visitation(P, gamma, mu, theta)
    grad = d[:, None] * pi * _advantage(P, R, gamma, theta) / (1.0 - float(gamma))
    out = np.zeros_like(pi)
    for s in range(pi.shape[0]):
        block = d[s] * (np.diag(pi[s]) - np.outer(pi[s], pi[s]))
        out[s] = np.linalg.pinv(block, rcond=1e-5) @ grad[s]
    return out
