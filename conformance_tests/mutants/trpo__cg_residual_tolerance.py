"""One realistic bug: conjugate gradient that also stops once r^T r < 1e-10 (residual_tol=1e-10 of the
OpenAI baselines cg): the registry's CG runs exactly k iterations, so an early stop leaves the last
iterations' correction out whenever the residual gets that small before k."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation
from rlspec.conformance_tests.examples.np_trpo import _fvp
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.conjugate_gradient",)


def trpo_conjugate_gradient(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, iterations: Any, damping: Any
) -> Any:
    d = _visitation(P, gamma, mu, theta)
    pi = _policy(theta)
    r = d[:, None] * pi * _advantage(P, R, gamma, theta) / (1.0 - float(gamma))
    x, p = np.zeros_like(r), r.copy()
    rr = float(np.sum(r * r))
    for _ in range(int(iterations)):
        if rr < 1e-10:
            break
        fp = _fvp(d, pi, p) + float(damping) * p
        curvature = float(np.sum(p * fp))
        if curvature <= 0.0:
            break
        alpha = rr / curvature
        x, r = x + alpha * p, r - alpha * fp
        rr_new = float(np.sum(r * r))
        p, rr = r + rr_new / rr * p, rr_new
    return x
