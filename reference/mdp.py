"""MDP core and the policy gradient (lecture: "Natural Policy Gradient (NPG)", and the
performance difference lemma of "Trust Region Policy Optimization (TRPO)").

Tabular MDP: P[s][a][s'] = P(s'|s,a), R[s][a][s'] = r(s,a,s'), discount gamma, initial
distribution mu, softmax policy pi(a|s) = exp(theta[s][a]) / sum_a' exp(theta[s][a']).
"""

from __future__ import annotations

from collections.abc import Sequence

from mpmath import mp

from reference.numbers import Mat, Real, Vec, dot, identity, mat, softmax, solve, tensor3, to_mpf, vec

RealMat = Sequence[Sequence[Real]]
RealTensor3 = Sequence[Sequence[Sequence[Real]]]


def policy(theta: RealMat) -> Mat:
    """pi_theta(a|s) = exp(theta[s][a]) / sum_a' exp(theta[s][a']), the softmax policy."""
    return [softmax(row) for row in mat(theta)]


def transition_matrix(P: RealTensor3, pi: RealMat) -> Mat:
    """P_pi[s][s'] = sum_a pi(a|s) P(s'|s,a)."""
    p, w = tensor3(P), mat(pi)
    n = len(p)
    return [[dot(w[s], [p[s][a][t] for a in range(len(w[s]))]) for t in range(n)] for s in range(n)]


def expected_reward(P: RealTensor3, R: RealTensor3) -> Mat:
    """r(s,a) = sum_s' P(s'|s,a) r(s,a,s')."""
    p, r = tensor3(P), tensor3(R)
    return [[dot(p[s][a], r[s][a]) for a in range(len(p[s]))] for s in range(len(p))]


def policy_reward(P: RealTensor3, R: RealTensor3, pi: RealMat) -> Vec:
    """r_pi(s) = sum_a pi(a|s) r(s,a)."""
    return [dot(w, rs) for w, rs in zip(mat(pi), expected_reward(P, R), strict=True)]


def evaluate(P: RealTensor3, R: RealTensor3, gamma: Real, pi: RealMat) -> Vec:
    """V^pi, the solution of (I - gamma P_pi) V = r_pi (the Bellman equation)."""
    g = to_mpf(gamma)
    p_pi = transition_matrix(P, pi)
    n = len(p_pi)
    eye = identity(n)
    system = [[eye[s][t] - g * p_pi[s][t] for t in range(n)] for s in range(n)]
    return solve(system, policy_reward(P, R, pi))


def q_from_v(P: RealTensor3, R: RealTensor3, gamma: Real, V: Sequence[Real]) -> Mat:
    """Q(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V(s'))."""
    p, r, g, v_ = tensor3(P), tensor3(R), to_mpf(gamma), vec(V)
    return [
        [dot(p[s][a], [r[s][a][t] + g * v_[t] for t in range(len(v_))]) for a in range(len(p[s]))]
        for s in range(len(p))
    ]


def v(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat) -> Vec:
    """mdp.v: V^pi(s) = E[sum_t gamma^t r_t | s_0 = s, pi_theta]."""
    return evaluate(P, R, gamma, policy(theta))


def q(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat) -> Mat:
    """mdp.q: Q^pi(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V^pi(s'))."""
    return q_from_v(P, R, gamma, v(P, R, gamma, theta))


def advantage(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat) -> Mat:
    """mdp.advantage: A^pi(s,a) = Q^pi(s,a) - V^pi(s)."""
    values = v(P, R, gamma, theta)
    return [[x - values[s] for x in row] for s, row in enumerate(q_from_v(P, R, gamma, values))]


def visitation(P: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat) -> Vec:
    """mdp.visitation: d_mu^pi(s) = (1 - gamma) sum_t gamma^t P(s_t = s), i.e. the solution of
    d = (1 - gamma) mu + gamma P_pi^T d."""
    g = to_mpf(gamma)
    p_pi = transition_matrix(P, policy(theta))
    n = len(p_pi)
    system = [[(mp.one if s == t else mp.zero) - g * p_pi[t][s] for t in range(n)] for s in range(n)]
    return solve(system, [(1 - g) * m for m in vec(mu)])


def objective(P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat) -> Real:
    """pg.objective: V^{pi_theta}(mu) = sum_s mu(s) V^{pi_theta}(s)."""
    return dot(vec(mu), v(P, R, gamma, theta))


def gradient(P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat) -> Mat:
    """pg.gradient: d V^{pi_theta}(mu) / d theta[s][a] = d_mu^pi(s) pi(a|s) A^pi(s,a) / (1 - gamma)
    (the policy gradient theorem for the softmax parameterization)."""
    g = to_mpf(gamma)
    d = visitation(P, gamma, mu, theta)
    pi = policy(theta)
    adv = advantage(P, R, gamma, theta)
    return [[d[s] * pi[s][a] * adv[s][a] / (1 - g) for a in range(len(pi[s]))] for s in range(len(pi))]
