"""One realistic bug: omega* by np.linalg.lstsq on the weighted design sqrt(d(s) pi(a|s)) (e_a - pi_s)
with rcond=1e-6: the singular values of states with small d(s) pi(a|s) fall under the cutoff and
their components are set to zero instead of A - mean A."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.compatible_regression",)
EXAMPLES = 40  # the instances that expose it are rare: 20 draws miss it on seed 0


def npg_compatible_regression(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    pi = _policy(theta)
    d = _visitation(P, gamma, mu, theta)
    adv = _advantage(P, R, gamma, theta)
    S, A = pi.shape
    X = np.zeros((S * A, S * A))
    for s in range(S):
        rows = np.sqrt(d[s] * pi[s])[:, None] * (np.eye(A) - pi[s][None, :])
        X[s * A : (s + 1) * A, s * A : (s + 1) * A] = rows
    y = (np.sqrt(d[:, None] * pi) * adv).reshape(-1)
    return np.linalg.lstsq(X, y, rcond=1e-6)[0].reshape(S, A)
