"""Shared float64 building blocks of the independent implementation.

Routes chosen to differ from a plain `np.linalg.solve` implementation while staying accurate:
policy evaluation by a doubled Neumann series, visitation by the same series on the transposed
chain, KL divergences through log E_p exp(D) with expm1/log1p, exact supports from the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

Array = Any


def log_softmax(theta: Array) -> Array:
    """theta - max - log1p(sum of the other exp(theta - max)): keeps log pi of the most likely
    action exact to the last digit when the others are tiny (log(1 + 1e-21) is not 0)."""
    t = np.asarray(theta, dtype=np.float64)
    top = np.argmax(t, axis=-1)[..., None]
    shifted = t - np.take_along_axis(t, top, axis=-1)
    others = np.exp(shifted)
    np.put_along_axis(others, top, 0.0, axis=-1)
    return shifted - np.log1p(np.sum(others, axis=-1, keepdims=True))


def softmax(theta: Array) -> Array:
    t = np.asarray(theta, dtype=np.float64)
    z = np.exp(t - np.max(t, axis=-1, keepdims=True))
    return z / np.sum(z, axis=-1, keepdims=True)


def logsumexp(x: Array, axis: int = -1) -> Array:
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(x - m), axis=axis))


def log_mean_exp(p: Array, logp: Array, D: Array) -> Array:
    """log sum_a p_a exp(D_a) - sum_a p_a D_a per row: the KL of p to p * exp(D) / normalizer.

    Centred at c = E_p D so the sum is 1 + small; log1p(sum p expm1(D - c)) keeps every digit of
    a small divergence, log-space takes over where exp would overflow."""
    c = np.sum(p * D, axis=-1, keepdims=True)
    centred = D - c
    with np.errstate(over="ignore", invalid="ignore"):
        near = np.log1p(np.sum(p * np.expm1(centred), axis=-1))
    far = logsumexp(logp + centred)
    use_far = np.max(centred, axis=-1) > 30.0
    return np.where(use_far, far, near)


def policy_change(theta: Array, theta_new: Array) -> Array:
    """pi_new - pi_t = pi_t (r - 1) with r - 1 = expm1(D - log E_{pi_t} exp(D)), D = theta_new -
    theta: exact to a few eps of each entry even where pi_t rounds to 1 (a difference of the two
    rounded policies would lose it)."""
    logp = log_softmax(theta)
    D = np.asarray(theta_new, dtype=np.float64) - np.asarray(theta, dtype=np.float64)
    D = D - np.max(D, axis=-1, keepdims=True)
    log_norm = logsumexp(logp + D)
    return np.exp(logp) * np.expm1(D - log_norm[..., None])


def kl_rows(theta: Array, theta_new: Array) -> Array:
    """KL(softmax(theta[s]) || softmax(theta_new[s])) per row, as log E_p exp(D) - E_p D with
    D = (theta_new - theta) shifted (the normalizers of both softmaxes cancel into the log)."""
    logp = log_softmax(theta)
    p = np.exp(logp)
    D = np.asarray(theta_new, dtype=np.float64) - np.asarray(theta, dtype=np.float64)
    D = D - np.max(D, axis=-1, keepdims=True)
    return np.maximum(log_mean_exp(p, logp, D), 0.0)


def policy_matrix(P: Array, pi: Array) -> Array:
    """P_pi[s][s'] = sum_a pi(a|s) P(s'|s,a)."""
    return np.einsum("sa,sat->st", pi, P)


def expected_reward(P: Array, R: Array) -> Array:
    """r(s, a) = sum_s' P(s'|s,a) R(s,a,s')."""
    return np.einsum("sat,sat->sa", P, R)


def discounted_series(M: Array, x: Array, gamma: float) -> Array:
    """sum_t gamma^t M^t x by doubling: S_{2n} = S_n + (gamma M)^n S_n, with (gamma M)^(2n)
    squared. Converges once gamma^n is below the float64 resolution (no linear solve)."""
    power = gamma * np.asarray(M, dtype=np.float64)
    total = np.asarray(x, dtype=np.float64).copy()
    if gamma == 0.0:
        return total
    n = 1
    while True:
        total = total + power @ total
        n *= 2
        if gamma**n < 1e-40 or not np.any(power):
            return total
        power = power @ power


def lu_solve_system(matrix: Array, rhs: Array, transpose: bool = False) -> Array:
    """Solve matrix x = rhs (or matrix^T x = rhs) by scipy's LU, with one step of iterative
    refinement (the residual in float64 is enough: the systems here are diagonally dominant)."""
    factors = scipy.linalg.lu_factor(matrix)
    trans = 1 if transpose else 0
    x = scipy.linalg.lu_solve(factors, rhs, trans=trans)
    op = matrix.T if transpose else matrix
    residual = rhs - op @ x
    return x + scipy.linalg.lu_solve(factors, residual, trans=trans)


def evaluate_series(P: Array, pi: Array, reward: Array, gamma: float) -> Array:
    """V solving V = reward + gamma P_pi V, as the discounted series."""
    return discounted_series(policy_matrix(P, pi), reward, gamma)


def evaluate_lu(P: Array, pi: Array, reward: Array, gamma: float) -> Array:
    """V solving (I - gamma P_pi) V = reward, by LU with refinement."""
    S = reward.shape[0]
    return lu_solve_system(np.eye(S) - gamma * policy_matrix(P, pi), reward)


def visitation(P: Array, gamma: float, mu: Array, pi: Array) -> Array:
    """d = (1 - gamma) sum_t gamma^t (P_pi^T)^t mu (the transposed chain's series)."""
    d = (1.0 - gamma) * discounted_series(policy_matrix(P, pi).T, mu, gamma)
    return np.maximum(d, 0.0)


def reachable(P: Array, gamma: float, mu: Array) -> Array:
    """The exact support of d_mu^pi for a softmax policy (every action has positive probability):
    the states reachable from supp(mu) in the graph of P's support; supp(mu) alone if gamma = 0."""
    seen = np.asarray(mu) > 0
    if gamma == 0.0:
        return seen
    edges = np.any(np.asarray(P) > 0, axis=1)
    frontier = seen.copy()
    while np.any(frontier):
        nxt = np.any(edges[frontier], axis=0) & ~seen
        seen |= nxt
        frontier = nxt
    return seen


def q_from_v(P: Array, R: Array, V: Array, gamma: float) -> Array:
    """Q(s,a) = sum_s' P(s'|s,a) (R(s,a,s') + gamma V(s'))."""
    return np.einsum("sat,sat->sa", P, R + gamma * V[None, None, :])


def centred_rows(x: Array) -> Array:
    """x[s] - mean_a x[s] (uniform mean)."""
    return x - np.mean(x, axis=-1, keepdims=True)
