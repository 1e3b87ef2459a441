"""One realistic bug: the Fisher-vector product weighted by the stationary distribution of P_pi_t
(the states an on-policy rollout visits in the long run) instead of the discounted visitation
d_mu^{pi_t} (which depends on mu and gamma)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _policy, _transition
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.fisher_vector_product",)


def trpo_fisher_vector_product(P: Any, gamma: Any, mu: Any, theta: Any, v: Any) -> Any:
    pi = _policy(theta)
    p_pi = _transition(np.asarray(P, dtype=np.float64), pi)
    n = p_pi.shape[0]
    # the Cesaro-averaged stationary distribution: solve d (I - P_pi) = 0, sum d = 1 (least squares)
    a = np.vstack([(np.eye(n) - p_pi).T, np.ones((1, n))])
    rhs = np.concatenate([np.zeros(n), [1.0]])
    d = np.linalg.lstsq(a, rhs, rcond=None)[0]
    w = np.asarray(v, dtype=np.float64)
    return d[:, None] * pi * (w - np.sum(pi * w, axis=1, keepdims=True))
