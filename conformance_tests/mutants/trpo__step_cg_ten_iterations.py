"""One realistic bug: the TRPO step with F^+ g from 10 iterations of conjugate gradient (cg_iters=10,
the default of the TRPO reference code) instead of an exact solve: enough when S * A is small and F
well conditioned, short of the solution otherwise."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation
from rlspec.conformance_tests.examples.np_trpo import _fvp
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.step",)


def trpo_step(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any) -> Any:
    d = _visitation(P, gamma, mu, theta)
    pi = _policy(theta)
    g = d[:, None] * pi * _advantage(P, R, gamma, theta) / (1.0 - float(gamma))
    x, r, p = np.zeros_like(g), g.copy(), g.copy()
    rr = float(np.sum(r * r))
    for _ in range(10):
        if rr == 0.0:
            break
        fp = _fvp(d, pi, p)
        alpha = rr / float(np.sum(p * fp))
        x, r = x + alpha * p, r - alpha * fp
        rr_new = float(np.sum(r * r))
        p, rr = r + rr_new / rr * p, rr_new
    curvature = float(np.sum(g * x))
    if curvature <= 0.0:
        return np.zeros_like(x)
    return np.sqrt(2.0 * float(delta) / curvature) * x
