"""One realistic bug: d^pi as the eigenvector of P_pi^T for the eigenvalue closest to 1, normalized to
sum 1: right for an irreducible chain, but with several recurrent classes the eigenvalue 1 is
repeated and the returned vector ignores mu (the lecture's d^pi weighs each class by the chance of
reaching it from mu)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("mdp.stationary",)
VECTORS_MISS = "no stored chain has several recurrent classes"


def mdp_stationary(P: Any, mu: Any, theta: Any) -> Any:
    pi = np.exp(theta - theta.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    p_pi = np.einsum("sa,sat->st", pi, P)
    values, vectors = np.linalg.eig(p_pi.T)
    v = np.real(vectors[:, int(np.argmin(np.abs(values - 1.0)))])
    return v / np.sum(v)
