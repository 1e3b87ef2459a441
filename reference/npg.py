"""Natural Policy Gradient (NPG) for the tabular softmax policy (lecture: "Natural Policy
Gradient (NPG)" and "Two Common Expressions of F(theta) to Avoid Divergence", eqs 16-22).

theta is flattened row-major: index s*A + a. The score of the softmax policy is
grad_theta log pi(a|s) = e_s (x) (e_a - pi(.|s)), so every Fisher matrix of this section is
block-diagonal by state, with block w(s) C_s, C_s = diag(pi_s) - pi_s pi_s^T (the covariance of
the score at s) and w = d_mu^pi (discounted case) or d^pi (average case). Since every softmax
probability is positive, the null space of C_s is exactly the constant vectors; a state with
w(s) = 0 contributes a zero block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpmath import mp

from rlspec.reference import mdp
from rlspec.reference.numbers import Mat, Real, Vec, dot, mat, softmax, to_mpf

RealMat = Sequence[Sequence[Real]]
RealTensor3 = Sequence[Sequence[Sequence[Real]]]


# ---- the structure of the tabular Fisher ----------------------------------------------------


def reachable(P: RealTensor3, gamma: Real, mu: Sequence[Real]) -> list[bool]:
    """d_mu^pi(s) > 0, decided exactly: s is in the support of mu, or (gamma > 0) reachable from
    it along transitions with P(s'|s,a) > 0 for some a (every softmax action has pi > 0)."""
    n = len(P)
    seen = [bool(mu[s]) for s in range(n)]
    if not gamma:
        return seen
    successors = _support(P)
    stack = [s for s in range(n) if seen[s]]
    while stack:
        for t in successors[stack.pop()]:
            if not seen[t]:
                seen[t] = True
                stack.append(t)
    return seen


_SUPPORT: list[tuple[Any, list[list[int]]]] = []


def _support(P: RealTensor3) -> list[list[int]]:
    """mdp.support_graph(P), remembered for the last few P (kept alive so that their ids stay
    theirs)."""
    for known, succ in _SUPPORT:
        if known is P:
            return succ
    succ = mdp.support_graph(P)
    _SUPPORT.append((P, succ))
    del _SUPPORT[:-4]
    return succ


def discounted_weights(P: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat) -> Vec:
    """d_mu^pi(s), with exact zeros at the states it never reaches."""
    d = mdp.visitation(P, gamma, mu, theta)
    return [x if keep else mp.zero for x, keep in zip(d, reachable(P, gamma, mu), strict=True)]


def score_covariance(pi_s: Sequence[Any]) -> Mat:
    """C_s = E_{a ~ pi_s}[(e_a - pi_s)(e_a - pi_s)^T] = diag(pi_s) - pi_s pi_s^T."""
    return [[(p if i == j else mp.zero) - p * q for j, q in enumerate(pi_s)] for i, p in enumerate(pi_s)]


def block_fisher(weights: Sequence[Any], pi: Mat) -> Mat:
    """The [S*A][S*A] matrix with diagonal blocks weights[s] * C_s and zeros elsewhere."""
    n_actions = len(pi[0])
    size = len(pi) * n_actions
    out = [[mp.zero] * size for _ in range(size)]
    for s, (w, pi_s) in enumerate(zip(weights, pi, strict=True)):
        c = score_covariance(pi_s)
        for i in range(n_actions):
            for j in range(n_actions):
                out[s * n_actions + i][s * n_actions + j] = w * c[i][j]
    return out


# ---- eqs 16-18: the Fisher matrix -------------------------------------------------------------


def fisher(P: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat) -> Mat:
    """npg.fisher: F(theta) = E_{s ~ d_mu^pi} E_{a ~ pi(.|s)}[grad log pi(a|s) grad log pi(a|s)^T]
    (eq 18, discounted case) = blockdiag_s d_mu^pi(s) (diag(pi_s) - pi_s pi_s^T)."""
    return block_fisher(discounted_weights(P, gamma, mu, theta), mdp.policy(theta))


def fisher_average(P: RealTensor3, mu: Sequence[Real], theta: RealMat) -> Mat:
    """npg.fisher_average: F(theta) = E_{s ~ d^pi} E_{a ~ pi(.|s)}[grad log pi grad log pi^T]
    (eq 17, average case), d^pi the stationary distribution started from mu (mdp.stationary)."""
    return block_fisher(mdp.stationary(P, mu, theta), mdp.policy(theta))


# ---- eqs 19-21: the natural gradient and the compatible regression ----------------------------


def centered(row: Sequence[Any]) -> Vec:
    """row - mean(row): the l2-minimal member of row + span(1)."""
    mean = mp.fsum(row) / len(row)
    return [x - mean for x in row]


def compatible_regression(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat
) -> Mat:
    """npg.compatible_regression: omega*, the l2-minimal minimizer of
    L(omega) = E_{s ~ d, a ~ pi}[(grad log pi(a|s)^T omega - A^pi(s,a))^2] (eq 20).

    With grad log pi(a|s)^T omega = omega[s][a] - sum_a' pi(a'|s) omega[s][a'], every minimizer is
    A^pi(s,.) + c_s on the states with d(s) > 0 (eq 21) and arbitrary elsewhere, so the l2-minimal
    one is A^pi(s,.) - mean_a A^pi(s,a) where d(s) > 0 and 0 where d(s) = 0."""
    adv = mdp.advantage(P, R, gamma, theta)
    return [
        centered(row) if keep else [mp.zero] * len(row)
        for row, keep in zip(adv, reachable(P, gamma, mu), strict=True)
    ]


def compatible_loss(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, omega: RealMat
) -> Real:
    """npg.compatible_loss: L(omega) = E_{s ~ d_mu^pi, a ~ pi(.|s)}[(grad log pi(a|s)^T omega
    - A^pi(s,a))^2] (eq 20), grad log pi(a|s)^T omega = omega[s][a] - sum_a' pi(a'|s) omega[s][a']."""
    d = discounted_weights(P, gamma, mu, theta)
    pi = mdp.policy(theta)
    adv = mdp.advantage(P, R, gamma, theta)
    w = mat(omega)
    terms = []
    for s, pi_s in enumerate(pi):
        mean = dot(pi_s, w[s])
        terms.append(
            d[s] * mp.fsum(p * (x - mean - y) ** 2 for p, x, y in zip(pi_s, w[s], adv[s], strict=True))
        )
    return mp.fsum(terms)


def direction(P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat) -> Mat:
    """npg.direction: F(theta)^+ grad_theta V^{pi_theta}(mu), the l2-minimal solution of
    F x = grad V (eq 19), as an [S][A] array.

    By blocks: grad V at s is g_s = d(s) pi_s * A_s / (1 - gamma) (pg.gradient), and
    C_s (A_s / (1 - gamma)) = g_s / d(s) because sum_a pi(a|s) A(s,a) = 0; the pseudo-inverse of
    the block d(s) C_s picks the solution orthogonal to its null space span(1), and a zero block
    (d(s) = 0) gives 0. So F^+ grad V = omega* / (1 - gamma)."""
    g = to_mpf(gamma)
    return [[x / (1 - g) for x in row] for row in compatible_regression(P, R, gamma, mu, theta)]


# ---- eq 22: the softmax NPG update ------------------------------------------------------------


def softmax_update(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat, eta: Real) -> Mat:
    """npg.softmax_update: pi_{theta+}(a|s) = pi(a|s) exp(eta A(s,a) / (1 - gamma)) /
    sum_a' pi(a'|s) exp(eta A(s,a') / (1 - gamma)) (eq 22), at every state; computed as
    softmax(theta_s + eta A_s / (1 - gamma))."""
    g, step = to_mpf(gamma), to_mpf(eta)
    adv = mdp.advantage(P, R, gamma, theta)
    logits = mat(theta)
    return [
        softmax([t + step * x / (1 - g) for t, x in zip(row, adv_s, strict=True)])
        for row, adv_s in zip(logits, adv, strict=True)
    ]
