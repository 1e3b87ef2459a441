"""Float64 numpy example implementation of the NPG section (npg.*): closed forms where the
lecture gives them, the block-diagonal structure of the tabular Fisher for F^+ grad V."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rlspec.conformance_tests.examples.np_mdp import closed_classes

Array = NDArray[np.float64]


def _policy(theta: Any) -> Array:
    t = np.asarray(theta, dtype=np.float64)
    z = np.exp(t - np.max(t, axis=1, keepdims=True))
    out: Array = z / np.sum(z, axis=1, keepdims=True)
    return out


def _transition(P: Any, pi: Array) -> Array:
    out: Array = np.einsum("sa,sat->st", pi, np.asarray(P, dtype=np.float64))
    return out


def _reachable(P: Any, gamma: Any, mu: Any) -> NDArray[np.bool_]:
    """d_mu^pi(s) > 0: in mu's support or reachable from it (gamma > 0) along P > 0."""
    p = np.asarray(P, dtype=np.float64)
    seen = np.asarray(mu, dtype=np.float64) > 0
    if float(gamma) == 0.0:
        return seen
    edges = np.any(p > 0, axis=1)
    stack = [int(s) for s in np.flatnonzero(seen)]
    while stack:
        s = stack.pop()
        for t in np.flatnonzero(edges[s]):
            if not seen[t]:
                seen[t] = True
                stack.append(int(t))
    return seen


def _visitation(P: Any, gamma: Any, mu: Any, theta: Any) -> Array:
    g = float(gamma)
    p_pi = _transition(P, _policy(theta))
    n = p_pi.shape[0]
    d = np.linalg.solve(np.eye(n) - g * p_pi.T, (1.0 - g) * np.asarray(mu, dtype=np.float64))
    out: Array = np.where(_reachable(P, gamma, mu), d, 0.0)
    return out


def _advantage(P: Any, R: Any, gamma: Any, theta: Any) -> Array:
    p, r, g = np.asarray(P, dtype=np.float64), np.asarray(R, dtype=np.float64), float(gamma)
    pi = _policy(theta)
    reward = np.einsum("sat,sat->sa", p, r)
    p_pi = _transition(p, pi)
    v = np.linalg.solve(np.eye(p.shape[0]) - g * p_pi, np.sum(pi * reward, axis=1))
    out: Array = reward + g * (p @ v) - v[:, None]
    return out


def _stationary(P: Any, mu: Any, theta: Any) -> Array:
    """Cesaro-limit state distribution from mu: recurrent classes of the support graph, each
    class's stationary law, weighted by the probability of being absorbed in it."""
    p_pi = _transition(P, _policy(theta))
    n = p_pi.shape[0]
    support = np.any(np.asarray(P, dtype=np.float64) > 0, axis=1)
    closed = [np.flatnonzero(c) for c in closed_classes(support)]
    transient = np.setdiff1d(np.arange(n), np.concatenate(closed))
    m = np.asarray(mu, dtype=np.float64)
    d = np.zeros(n)
    for c in closed:
        block = np.eye(len(c)) - p_pi[np.ix_(c, c)].T
        block[-1] = 1.0
        rhs = np.zeros(len(c))
        rhs[-1] = 1.0
        law = np.linalg.solve(block, rhs)
        weight = float(np.sum(m[c]))
        if len(transient):
            h = np.linalg.solve(
                np.eye(len(transient)) - p_pi[np.ix_(transient, transient)],
                np.sum(p_pi[np.ix_(transient, c)], axis=1),
            )
            weight += float(m[transient] @ h)
        d[c] = weight * law
    return d


def _block_fisher(weights: Array, pi: Array) -> Array:
    s, a = pi.shape
    out = np.zeros((s * a, s * a))
    for i in range(s):
        out[i * a : (i + 1) * a, i * a : (i + 1) * a] = weights[i] * (np.diag(pi[i]) - np.outer(pi[i], pi[i]))
    return out


def npg_fisher(P: Any, gamma: Any, mu: Any, theta: Any) -> Array:
    return _block_fisher(_visitation(P, gamma, mu, theta), _policy(theta))


def npg_fisher_average(P: Any, mu: Any, theta: Any) -> Array:
    return _block_fisher(_stationary(P, mu, theta), _policy(theta))


def npg_compatible_regression(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Array:
    adv = _advantage(P, R, gamma, theta)
    centred = adv - np.mean(adv, axis=1, keepdims=True)
    return np.where(_reachable(P, gamma, mu)[:, None], centred, 0.0)


def npg_compatible_loss(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, omega: Any) -> float:
    d = _visitation(P, gamma, mu, theta)
    pi = _policy(theta)
    w = np.asarray(omega, dtype=np.float64)
    fit = w - np.sum(pi * w, axis=1, keepdims=True) - _advantage(P, R, gamma, theta)
    return float(d @ np.sum(pi * fit**2, axis=1))


def npg_direction(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Array:
    """F^+ grad V in closed form: block by block, d(s) (diag(pi_s) - pi_s pi_s^T) x_s =
    d(s) pi_s A(s, .) / (1 - gamma) is solved by A(s, .) / (1 - gamma) (since pi_s . A(s, .) = 0),
    and the l2-minimal solution removes the null direction 1: (A - mean_a A) / (1 - gamma) on the
    states with d(s) > 0, 0 elsewhere. Accurate to a few eps whatever pi is (a solve with the
    Fisher's blocks would lose 1 / min pi on near-deterministic policies)."""
    out: Array = npg_compatible_regression(P, R, gamma, mu, theta) / (1.0 - float(gamma))
    return out


def npg_softmax_update(P: Any, R: Any, gamma: Any, theta: Any, eta: Any) -> Array:
    logits = np.asarray(theta, dtype=np.float64) + float(eta) * _advantage(P, R, gamma, theta) / (
        1.0 - float(gamma)
    )
    return _policy(logits)
