"""One realistic bug: the quadratic model of the mean KL without its 1/2, (theta - theta_t)^T F
(theta - theta_t) instead of (1/2) (theta - theta_t)^T F (theta - theta_t) (the Fisher read as the
KL's Hessian times 2, so the trust region constraint is twice as tight)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_trpo import trpo_fisher_vector_product
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.kl_quadratic",)


def trpo_kl_quadratic(P: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    step = np.asarray(theta_new, dtype=np.float64) - np.asarray(theta, dtype=np.float64)
    return float(np.sum(step * trpo_fisher_vector_product(P, gamma, mu, theta, step)))
