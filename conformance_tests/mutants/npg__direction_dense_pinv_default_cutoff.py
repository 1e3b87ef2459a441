"""One realistic bug: F^+ grad V as np.linalg.pinv(F, hermitian=True) @ g on the dense Fisher with
numpy's default cutoff. Forming diag(pi_s) - pi_s pi_s^T cancels when pi_s is nearly
deterministic, so each block's null eigenvalue is computed at ~ eps |pi_s|, can exceed the cutoff
(rtol = max(M, N) eps times the largest eigenvalue) and is inverted: a huge spurious component
along the block's constant vector."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation, npg_fisher
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.direction",)
EXAMPLES = 40  # only near-deterministic policies expose it: 20 draws miss it on some seeds


def npg_direction(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    pi = _policy(theta)
    d = _visitation(P, gamma, mu, theta)
    grad = d[:, None] * pi * _advantage(P, R, gamma, theta) / (1.0 - float(gamma))
    F = npg_fisher(P, gamma, mu, theta)
    return (np.linalg.pinv(F, hermitian=True) @ grad.reshape(-1)).reshape(pi.shape)
