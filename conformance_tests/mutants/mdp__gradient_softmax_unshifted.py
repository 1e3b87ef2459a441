"""One realistic bug: the policy gradient with pi = exp(theta) / sum exp(theta), the softmax written
without subtracting the row maximum: exact for moderate logits, inf / nan once a logit passes ~709
or every logit of a row is below ~-745."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("pg.gradient",)
VECTORS_MISS = "no stored logit is beyond exp's overflow (~709)"
EXAMPLES = 20  # the default run: room for all 14 tabular corners (extreme_scales is the last)


def pg_gradient(P: Any, R: Any, gamma: float, mu: Any, theta: Any) -> Any:
    z = np.exp(theta)
    pi = z / z.sum(axis=1, keepdims=True)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    v = np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)
    q = np.einsum("sat,sat->sa", P, R) + gamma * P @ v
    d = np.linalg.solve(np.eye(len(P)) - gamma * p_pi.T, (1.0 - gamma) * mu)
    return d[:, None] * pi * (q - v[:, None]) / (1.0 - gamma)
