"""One realistic bug: the Fisher-vector product with the uncentered score, the one-hot e_(s,a) taken
as grad log pi(a|s) without subtracting pi_s: (F v)[s][a] = d(s) pi(a|s) v[s][a] instead of
d(s) pi(a|s) (v[s][a] - pi_s . v[s]), and the quadratic KL model built on it (a second moment of
the step where its variance under pi_t is meant)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _policy, _visitation
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.fisher_vector_product", "trpo.kl_quadratic")


def trpo_fisher_vector_product(P: Any, gamma: Any, mu: Any, theta: Any, v: Any) -> Any:
    d = _visitation(P, gamma, mu, theta)
    return d[:, None] * _policy(theta) * np.asarray(v, dtype=np.float64)


def trpo_kl_quadratic(P: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    step = np.asarray(theta_new, dtype=np.float64) - np.asarray(theta, dtype=np.float64)
    return 0.5 * float(np.sum(step * trpo_fisher_vector_product(P, gamma, mu, theta, step)))
