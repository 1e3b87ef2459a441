"""Helpers for the tolerance scale expressions of the registry (spec.formula.Tolerance.scale).

A scale expression is evaluated with numpy as `np`, these helpers, the formula's float64 inputs
by argument name, and `expected` (the oracle value as float64). Keep helpers small and
documented: CONFORMANCE.md prints the expressions verbatim.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def kappa(gamma: Any) -> float:
    """1 / (1 - gamma), the effective horizon."""
    return 1.0 / (1.0 - float(gamma))


def amax(x: Any) -> float:
    """max |x|, or 1 where that is 0 (so a scale is never 0)."""
    m = float(np.max(np.abs(np.asarray(x, dtype=np.float64)))) if np.size(x) else 0.0
    return m if m > 0 else 1.0


def stationary_kappa(P: Any, theta: Any) -> float:
    """The conditioning of the stationary distribution of P_pi, pi = softmax(theta):
    (1 + ||(I - P_TT)^-1||_inf) * (1 + max_C ||(I - P_CC + 1 pi_C)^-1||_inf) over the transient
    states T and the recurrent classes C of the exact support of P (the fundamental matrices of
    the absorption and of each class; Kemeny-Snell). A slowly mixing chain gives a large scale."""
    from scipy.sparse.csgraph import connected_components

    p = np.asarray(P, dtype=np.float64)
    t = np.asarray(theta, dtype=np.float64)
    w = np.exp(t - t.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    p_pi = np.einsum("sa,sat->st", w, p)
    support = (p != 0).any(axis=1)
    _, labels = connected_components(support, directed=True, connection="strong")
    transient = np.zeros(len(p_pi), dtype=bool)
    class_kappa = 1.0
    for label in np.unique(labels):
        c = labels == label
        if support[np.ix_(c, ~c)].any():
            transient |= c
            continue
        block = p_pi[np.ix_(c, c)]
        block = block / block.sum(axis=1, keepdims=True)
        k = int(c.sum())
        system = np.vstack([(np.eye(k) - block).T, np.ones(k)])
        law = np.linalg.lstsq(system, np.r_[np.zeros(k), 1.0], rcond=None)[0]
        z = np.linalg.inv(np.eye(k) - block + np.outer(np.ones(k), law))
        class_kappa = max(class_kappa, float(np.abs(z).sum(axis=1).max()))
    absorb = 0.0
    if transient.any():
        n = np.linalg.inv(np.eye(int(transient.sum())) - p_pi[np.ix_(transient, transient)])
        absorb = float(np.abs(n).sum(axis=1).max())
    return (1.0 + absorb) * (1.0 + class_kappa)
