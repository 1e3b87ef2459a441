"""One realistic bug: the Fisher blocks as E[e_a e_a^T] = diag(pi_s), the score taken as the
one-hot e_a (the gradient of theta[s][a]) without subtracting its mean pi_s."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _policy, _stationary, _visitation
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.fisher", "npg.fisher_average")


def _blocks(weights: Any, pi: Any) -> Any:
    return np.diag((weights[:, None] * pi).reshape(-1))


def npg_fisher(P: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    return _blocks(_visitation(P, gamma, mu, theta), _policy(theta))


def npg_fisher_average(P: Any, mu: Any, theta: Any) -> Any:
    return _blocks(_stationary(P, mu, theta), _policy(theta))
