"""One realistic bug: the discounted-case Fisher weighted by the stationary distribution d^pi
(the average case, eq 17) instead of the discounted visitation d_mu^pi (eq 18)."""

from typing import Any

from rlspec.conformance_tests.examples.np_npg import _block_fisher, _policy, _stationary
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.fisher",)


def npg_fisher(P: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    return _block_fisher(_stationary(P, mu, theta), _policy(theta))
