"""One realistic bug: the linear model of the surrogate returned with the constant V^{pi_t}(mu)
kept, V^{pi_t}(mu) + grad V^T (theta_new - theta), where trpo.surrogate_linear is the lecture's eq 28
without it (the erratum trpo.linear_model: the constant does not change the maximizer, and the
registry's model is the change V_t(theta) - V^{pi_t}(mu))."""

from typing import Any

from rlspec.conformance_tests.examples import np_trpo
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.surrogate_linear",)


def trpo_surrogate_linear(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> float:
    return np_trpo._objective(P, R, gamma, mu, theta) + np_trpo.trpo_surrogate_linear(
        P, R, gamma, mu, theta, theta_new
    )
