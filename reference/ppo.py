"""Proximal Policy Optimization (PPO) (lecture: "Proximal Policy Optimization (PPO)" and
"PPO with Clipped Objective", display equations 30-32).

Tabular forms: theta_t = `theta` (the policy that collected the data), theta = `theta_new`
(the policy being optimized); d = d_mu^{pi_t}, A = A^{pi_t}. Sample-batch forms: arrays of
new and old log-probabilities and advantages, as PPO implementations compute them.

Gradient convention at the kinks r = 1 +- epsilon: the unclipped branch is taken on the closed
interval [1 - epsilon, 1 + epsilon] (the middle case of eq 32), so d/dr min(r A, clip(r) A) = A
there; it is 0 only where the clipped branch is strictly selected (r > 1 + epsilon with A > 0,
or r < 1 - epsilon with A < 0). This is what PyTorch's autograd returns for
`torch.min(r * A, torch.clamp(r, 1 - eps, 1 + eps) * A)`.
"""

from __future__ import annotations

from collections.abc import Sequence

from mpmath import mp

from rlspec.reference.mdp import advantage, policy, visitation
from rlspec.reference.numbers import Mat, Real, RealMat, RealTensor3, Vec, logsumexp, mat, to_mpf, vec


def ratio(theta: RealMat, theta_new: RealMat) -> Mat:
    """ppo.ratio: r(theta)[s][a] = pi_theta(a|s) / pi_{theta_t}(a|s) (eq 31's text; the lecture
    prints pi_theta / pi_theta), computed as exp(theta[s][a] - theta_t[s][a] - lse(theta[s]) +
    lse(theta_t[s]))."""
    old, new = mat(theta), mat(theta_new)
    out = []
    for row_old, row_new in zip(old, new, strict=True):
        shift = logsumexp(row_old) - logsumexp(row_new)
        out.append([mp.exp(n - o + shift) for o, n in zip(row_old, row_new, strict=True)])
    return out


def clip(x: Real, low: Real, high: Real) -> Real:
    """clip(x, low, high) (eq 32): high if x > high, x if low <= x <= high, low if x < low."""
    if x > high:
        return high
    if x < low:
        return low
    return x


def unclipped_selected(r: Real, adv: Real, epsilon: Real) -> bool:
    """Whether min(r A, clip(r) A) has slope A in r: false only where the clipped branch is
    strictly selected (r > 1 + eps with A > 0, or r < 1 - eps with A < 0)."""
    return not ((r > 1 + epsilon and adv > 0) or (r < 1 - epsilon and adv < 0))


def clipped_term(r: Real, adv: Real, epsilon: Real) -> Real:
    """min(r A, clip(r, 1 - eps, 1 + eps) A), the integrand of eq 31."""
    return min(r * adv, clip(r, 1 - epsilon, 1 + epsilon) * adv)


def _weights_and_advantage(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat
) -> tuple[Mat, Mat]:
    """w[s][a] = d_mu^{pi_t}(s) pi_t(a|s) and A^{pi_t}(s, a)."""
    d = visitation(P, gamma, mu, theta)
    pi = policy(theta)
    return [[d[s] * p for p in pi[s]] for s in range(len(pi))], advantage(P, R, gamma, theta)


def surrogate(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, theta_new: RealMat
) -> Real:
    """ppo.surrogate: L(theta) = E_{s ~ d_mu^{pi_t}} E_{a ~ pi_t(.|s)}[r(theta) A^{pi_t}(s, a)]
    (eq 30, second line). It is (1 - gamma) (V_t(theta) - V^{pi_t}(mu)) with V_t of eq 24: the
    lecture's "proportional to" drops the constant V^{pi_t}(mu) and the factor 1/(1 - gamma)."""
    w, adv = _weights_and_advantage(P, R, gamma, mu, theta)
    r = ratio(theta, theta_new)
    return mp.fsum(w[s][a] * r[s][a] * adv[s][a] for s in range(len(w)) for a in range(len(w[s])))


def clip_objective(
    P: RealTensor3,
    R: RealTensor3,
    gamma: Real,
    mu: Sequence[Real],
    theta: RealMat,
    theta_new: RealMat,
    epsilon: Real,
) -> Real:
    """ppo.clip_objective: V_t^clip(theta) = E_{s ~ d_mu^{pi_t}} E_{a ~ pi_t(.|s)}[min(r(theta) A,
    clip(r(theta), 1 - eps, 1 + eps) A)], A = A^{pi_t}(s, a) (eq 31, eq 32)."""
    eps = to_mpf(epsilon)
    w, adv = _weights_and_advantage(P, R, gamma, mu, theta)
    r = ratio(theta, theta_new)
    return mp.fsum(
        w[s][a] * clipped_term(r[s][a], adv[s][a], eps) for s in range(len(w)) for a in range(len(w[s]))
    )


def clip_gradient(
    P: RealTensor3,
    R: RealTensor3,
    gamma: Real,
    mu: Sequence[Real],
    theta: RealMat,
    theta_new: RealMat,
    epsilon: Real,
) -> Mat:
    """ppo.clip_gradient: d V_t^clip / d theta_new[s][b]
    = d(s) pi_new(b|s) (g(s, b) - sum_a pi_new(a|s) g(s, a)), g(s, a) = A(s, a) if the unclipped
    branch is selected (closed interval, see the module docstring) else 0; since
    d r[s][a] / d theta_new[s][b] = r[s][a] (1[a = b] - pi_new(b|s)) and pi_t r = pi_new."""
    eps = to_mpf(epsilon)
    d = visitation(P, gamma, mu, theta)
    adv = advantage(P, R, gamma, theta)
    r = ratio(theta, theta_new)
    pi_new = policy(theta_new)
    out = []
    for s in range(len(d)):
        g = [x if unclipped_selected(r[s][a], x, eps) else mp.zero for a, x in enumerate(adv[s])]
        mean = mp.fdot(pi_new[s], g)
        out.append([d[s] * pi_new[s][b] * (g[b] - mean) for b in range(len(g))])
    return out


def batch_ratio(logp_new: Sequence[Real], logp_old: Sequence[Real]) -> Vec:
    """r_i = exp(logp_new_i - logp_old_i)."""
    return [mp.exp(n - o) for n, o in zip(vec(logp_new), vec(logp_old), strict=True)]


def clip_objective_batch(
    logp_new: Sequence[Real], logp_old: Sequence[Real], adv: Sequence[Real], epsilon: Real
) -> Real:
    """ppo.clip_objective_batch: (1/N) sum_i min(r_i A_i, clip(r_i, 1 - eps, 1 + eps) A_i),
    r_i = exp(logp_new_i - logp_old_i) (the sample form of eq 31; objective sign, mean)."""
    eps = to_mpf(epsilon)
    r, a = batch_ratio(logp_new, logp_old), vec(adv)
    return mp.fsum(clipped_term(ri, ai, eps) for ri, ai in zip(r, a, strict=True)) / len(a)


def clip_gradient_batch(
    logp_new: Sequence[Real], logp_old: Sequence[Real], adv: Sequence[Real], epsilon: Real
) -> Vec:
    """ppo.clip_gradient_batch: d/d logp_new_i of ppo.clip_objective_batch
    = (1/N) r_i A_i if the unclipped branch is selected (closed interval) else 0."""
    eps = to_mpf(epsilon)
    r, a = batch_ratio(logp_new, logp_old), vec(adv)
    n = len(a)
    return [ri * ai / n if unclipped_selected(ri, ai, eps) else mp.zero for ri, ai in zip(r, a, strict=True)]
