"""Deterministic Policy Gradient (lecture: "Deterministic Policy Gradient (DPG)") and the
sample-batch forms of DDPG.

Two exactly solvable families of deterministic policies:

lqr   states in R^n, actions in R^m, s' = A s + B a + w (w ~ N(0, W)), s_0 ~ N(0, Sigma0),
      r(s, a) = -(s^T Q s + a^T R a), linear policy a = K s. With the closed loop M = A + B K
      and the cost C_K = Q + K^T R K, V^K(s) = -(s^T P_K s + gamma/(1-gamma) tr(P_K W)) where
      P_K = C_K + gamma M^T P_K M (the discounted Lyapunov equation).
fsca  finitely many states, actions a in R^m, P(s'|s, a) = softmax_s'(L[s][s'] + G[s][s'] . a),
      r(s, a, s') = c[s][s'] + h[s][s'] . a - a^T H[s] a, deterministic policy a = theta[s].

Matrices are nested lists (row-major); values are mpf at the caller's precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpmath import mp

from rlspec.reference.numbers import (
    Mat,
    Real,
    Vec,
    dot,
    identity,
    mat,
    softmax,
    solve,
    to_mpf,
    transpose,
    vec,
)

RealVec = Sequence[Real]
RealMat = Sequence[Sequence[Real]]
RealTensor3 = Sequence[Sequence[Sequence[Real]]]


# ---- small matrix algebra ---------------------------------------------------------------------


def matmul(a: Mat, b: Mat) -> Mat:
    bt = transpose(b)
    return [[dot(row, col) for col in bt] for row in a]


def matvec(a: Mat, x: Vec) -> Vec:
    return [dot(row, x) for row in a]


def add(a: Mat, b: Mat) -> Mat:
    return [[x + y for x, y in zip(ra, rb, strict=True)] for ra, rb in zip(a, b, strict=True)]


def scale(c: Any, a: Mat) -> Mat:
    return [[c * x for x in row] for row in a]


def trace(a: Mat) -> Any:
    return mp.fsum(a[i][i] for i in range(len(a)))


def trace_product(a: Mat, b: Mat) -> Any:
    """tr(a b)."""
    n = len(a)
    return mp.fsum(a[i][j] * b[j][i] for i in range(n) for j in range(n))


def quadratic(x: Vec, a: Mat) -> Any:
    """x^T a x."""
    return dot(x, matvec(a, x))


def symmetrize(a: Mat) -> Mat:
    n = len(a)
    return [[(a[i][j] + a[j][i]) / 2 for j in range(n)] for i in range(n)]


def lyapunov(M: Mat, Y: Mat, g: Any, dual: bool = False) -> Mat:
    """The solution X of X = Y + g M^T X M (dual: X = Y + g M X M^T), by a dense solve of the
    vectorized system (I - g M^T (x) M^T) vec X = vec Y at the current precision."""
    n = len(M)
    rows = []
    for i in range(n):
        for j in range(n):
            row = []
            for k in range(n):
                for l in range(n):
                    coef = M[i][k] * M[j][l] if dual else M[k][i] * M[l][j]
                    row.append((1 if (i, j) == (k, l) else 0) - g * coef)
            rows.append(row)
    x = solve(rows, [Y[i][j] for i in range(n) for j in range(n)])
    return symmetrize([[x[i * n + j] for j in range(n)] for i in range(n)])


# ---- LQR --------------------------------------------------------------------------------------


def closed_loop(A: RealMat, B: RealMat, K: RealMat) -> Mat:
    """M = A + B K, the closed-loop dynamics of the policy a = K s."""
    return add(mat(A), matmul(mat(B), mat(K)))


def policy_cost(Q: RealMat, R: RealMat, K: RealMat) -> Mat:
    """C_K = Q + K^T R K: the per-step cost s^T C_K s of the policy a = K s."""
    k = mat(K)
    return add(mat(Q), matmul(transpose(k), matmul(mat(R), k)))


def lqr_p(gamma: Real, A: RealMat, B: RealMat, Q: RealMat, R: RealMat, K: RealMat) -> Mat:
    """P_K, the solution of P_K = Q + K^T R K + gamma (A + B K)^T P_K (A + B K)."""
    return lyapunov(closed_loop(A, B, K), policy_cost(Q, R, K), to_mpf(gamma))


def lqr_value_from_p(gamma: Real, P: Mat, W: RealMat, Sigma0: RealMat) -> Any:
    """V^K(mu) = -(tr(P_K Sigma0) + gamma/(1-gamma) tr(P_K W))."""
    g = to_mpf(gamma)
    return -(trace_product(P, mat(Sigma0)) + g / (1 - g) * trace_product(P, mat(W)))


def value(
    gamma: Real, A: RealMat, B: RealMat, Q: RealMat, R: RealMat, W: RealMat, Sigma0: RealMat, K: RealMat
) -> Any:
    """lqr.value: V^K(mu) = E[sum_t gamma^t r(s_t, K s_t)], s_0 ~ N(0, Sigma0)
    = -(tr(P_K Sigma0) + gamma/(1-gamma) tr(P_K W)) (lecture eq 33)."""
    return lqr_value_from_p(gamma, lqr_p(gamma, A, B, Q, R, K), W, Sigma0)


def lqr_q_from_p(
    gamma: Real, A: RealMat, B: RealMat, Q: RealMat, R: RealMat, W: RealMat, P: Mat, s: RealVec, a: RealVec
) -> Any:
    g, x, u = to_mpf(gamma), vec(s), vec(a)
    nxt = [p + r for p, r in zip(matvec(mat(A), x), matvec(mat(B), u), strict=True)]
    reward = -(quadratic(x, mat(Q)) + quadratic(u, mat(R)))
    return reward - g * (quadratic(nxt, P) + trace_product(P, mat(W)) / (1 - g))


def q(
    gamma: Real,
    A: RealMat,
    B: RealMat,
    Q: RealMat,
    R: RealMat,
    W: RealMat,
    K: RealMat,
    s: RealVec,
    a: RealVec,
) -> Any:
    """lqr.q: Q^K(s, a) = r(s, a) + gamma E[V^K(A s + B a + w)]
    = -(s^T Q s + a^T R a) - gamma ((A s + B a)^T P_K (A s + B a) + tr(P_K W)/(1-gamma))."""
    return lqr_q_from_p(gamma, A, B, Q, R, W, lqr_p(gamma, A, B, Q, R, K), s, a)


def visitation(gamma: Real, A: RealMat, B: RealMat, W: RealMat, Sigma0: RealMat, K: RealMat) -> Mat:
    """lqr.visitation: Sigma_d = E_{s ~ d_mu^K}[s s^T] = (1-gamma) sum_t gamma^t E[s_t s_t^T],
    the second moment (= covariance, the mean is 0) of the normalized discounted visitation
    measure; the solution of Sigma_d = (1-gamma) Sigma0 + gamma W + gamma M Sigma_d M^T."""
    return lyapunov(closed_loop(A, B, K), visitation_source(gamma, W, Sigma0), to_mpf(gamma), dual=True)


def visitation_source(gamma: Real, W: RealMat, Sigma0: RealMat) -> Mat:
    """(1-gamma) Sigma0 + gamma W, the constant term of the Lyapunov equation of lqr.visitation."""
    g = to_mpf(gamma)
    return add(scale(1 - g, mat(Sigma0)), scale(g, mat(W)))


def lqr_action_gradient_matrix(gamma: Real, A: RealMat, B: RealMat, R: RealMat, K: RealMat, P: Mat) -> Mat:
    """E_K with grad_a Q^K(s, a) at a = K s equal to -2 E_K s:
    E_K = R K + gamma B^T P_K (A + B K)."""
    b = mat(B)
    return add(
        matmul(mat(R), mat(K)), scale(to_mpf(gamma), matmul(transpose(b), matmul(P, closed_loop(A, B, K))))
    )


def gradient(
    gamma: Real, A: RealMat, B: RealMat, Q: RealMat, R: RealMat, W: RealMat, Sigma0: RealMat, K: RealMat
) -> Mat:
    """dpg.gradient: grad_K V^K(mu) = 1/(1-gamma) E_{s~d}[grad_K pi(s) grad_a Q^K(s, a)|_{a=Ks}]
    (lecture eq 37). With pi(s) = K s, entry [i][j] is 1/(1-gamma) E_d[(grad_a Q)_i s_j]
    = -2/(1-gamma) (E_K Sigma_d)[i][j]."""
    g = to_mpf(gamma)
    P = lqr_p(gamma, A, B, Q, R, K)
    e = lqr_action_gradient_matrix(gamma, A, B, R, K, P)
    return scale(-2 / (1 - g), matmul(e, visitation(gamma, A, B, W, Sigma0, K)))


# ---- fsca: finite states, continuous actions -----------------------------------------------------


def fsca_transition(L: RealMat, G: RealTensor3, s: int, a: RealVec) -> Vec:
    """P(.|s, a) = softmax_s'(L[s][s'] + G[s][s'] . a)."""
    u = vec(a)
    return softmax([to_mpf(L[s][t]) + dot(vec(G[s][t]), u) for t in range(len(L))])


def fsca_reward(c: RealMat, h: RealTensor3, H: RealTensor3, s: int, a: RealVec, t: int) -> Any:
    """r(s, a, s') = c[s][s'] + h[s][s'] . a - a^T H[s] a."""
    u = vec(a)
    return to_mpf(c[s][t]) + dot(vec(h[s][t]), u) - quadratic(u, mat(H[s]))


def fsca_policy_transition(L: RealMat, G: RealTensor3, theta: RealMat) -> Mat:
    """P_pi[s][s'] = P(s'|s, theta[s])."""
    return [fsca_transition(L, G, s, theta[s]) for s in range(len(L))]


def fsca_policy_reward(
    L: RealMat, G: RealTensor3, c: RealMat, h: RealTensor3, H: RealTensor3, theta: RealMat
) -> Vec:
    """r_pi(s) = sum_s' P(s'|s, theta[s]) r(s, theta[s], s')."""
    out = []
    for s in range(len(L)):
        p = fsca_transition(L, G, s, theta[s])
        out.append(dot(p, [fsca_reward(c, h, H, s, theta[s], t) for t in range(len(L))]))
    return out


def fsca_v(
    gamma: Real, L: RealMat, G: RealTensor3, c: RealMat, h: RealTensor3, H: RealTensor3, theta: RealMat
) -> Vec:
    """fsca.v: V^pi(s), the solution of (I - gamma P_pi) V = r_pi."""
    g = to_mpf(gamma)
    p = fsca_policy_transition(L, G, theta)
    n = len(p)
    eye = identity(n)
    system = [[eye[s][t] - g * p[s][t] for t in range(n)] for s in range(n)]
    return solve(system, fsca_policy_reward(L, G, c, h, H, theta))


def fsca_value(
    gamma: Real,
    mu: RealVec,
    L: RealMat,
    G: RealTensor3,
    c: RealMat,
    h: RealTensor3,
    H: RealTensor3,
    theta: RealMat,
) -> Any:
    """fsca.value: V^pi(mu) = sum_s mu(s) V^pi(s) (lecture eq 33)."""
    return dot(vec(mu), fsca_v(gamma, L, G, c, h, H, theta))


def fsca_q_from_v(
    gamma: Real,
    L: RealMat,
    G: RealTensor3,
    c: RealMat,
    h: RealTensor3,
    H: RealTensor3,
    V: Vec,
    s: int,
    a: RealVec,
) -> Any:
    """Q(s, a) = sum_s' P(s'|s, a) (r(s, a, s') + gamma V(s'))."""
    g = to_mpf(gamma)
    p = fsca_transition(L, G, s, a)
    return dot(p, [fsca_reward(c, h, H, s, a, t) + g * V[t] for t in range(len(L))])


def fsca_q(
    gamma: Real,
    L: RealMat,
    G: RealTensor3,
    c: RealMat,
    h: RealTensor3,
    H: RealTensor3,
    theta: RealMat,
    a: RealMat,
) -> Vec:
    """fsca.q: Q^pi(s, a[s]) = sum_s' P(s'|s, a[s]) (r(s, a[s], s') + gamma V^pi(s')), for every s."""
    values = fsca_v(gamma, L, G, c, h, H, theta)
    return [fsca_q_from_v(gamma, L, G, c, h, H, values, s, a[s]) for s in range(len(L))]


def fsca_visitation(gamma: Real, mu: RealVec, L: RealMat, G: RealTensor3, theta: RealMat) -> Vec:
    """fsca.visitation: d_mu^pi(s) = (1-gamma) sum_t gamma^t P(s_t = s), the solution of
    d = (1-gamma) mu + gamma P_pi^T d."""
    g = to_mpf(gamma)
    p = fsca_policy_transition(L, G, theta)
    n = len(p)
    system = [[(mp.one if s == t else mp.zero) - g * p[t][s] for t in range(n)] for s in range(n)]
    return solve(system, [(1 - g) * m for m in vec(mu)])


def fsca_proof_terms(
    gamma: Real,
    L: RealMat,
    G: RealTensor3,
    c: RealMat,
    h: RealTensor3,
    H: RealTensor3,
    V: Vec,
    s: int,
    a: RealVec,
) -> tuple[Vec, Vec, Vec]:
    """The first three terms of the proof of Theorem 1 (lecture eq 39) at s_0 = s, as vectors in
    R^m (grad_theta pi(s_0) is the identity on the block theta[s_0]):
    sum_s1 grad_a r(s, a, s1) P(s1|s, a), sum_s1 r(s, a, s1) grad_a P(s1|s, a),
    gamma sum_s1 V(s1) grad_a P(s1|s, a)."""
    g = to_mpf(gamma)
    u = vec(a)
    n, m = len(L), len(u)
    p = fsca_transition(L, G, s, a)
    gs = [vec(G[s][t]) for t in range(n)]
    mean_g = [mp.fsum(p[t] * gs[t][i] for t in range(n)) for i in range(m)]
    # grad_a P(t|s,a) = P(t|s,a) (G[s][t] - sum_u P(u|s,a) G[s][u])
    dp = [[p[t] * (gs[t][i] - mean_g[i]) for i in range(m)] for t in range(n)]
    hs = mat(H[s])
    h_sym_a = [mp.fsum((hs[i][j] + hs[j][i]) * u[j] for j in range(m)) for i in range(m)]
    # grad_a r(s,a,t) = h[s][t] - (H + H^T) a
    dr = [[to_mpf(h[s][t][i]) - h_sym_a[i] for i in range(m)] for t in range(n)]
    r = [fsca_reward(c, h, H, s, a, t) for t in range(n)]
    first = [mp.fsum(dr[t][i] * p[t] for t in range(n)) for i in range(m)]
    second = [mp.fsum(r[t] * dp[t][i] for t in range(n)) for i in range(m)]
    third = [g * mp.fsum(V[t] * dp[t][i] for t in range(n)) for i in range(m)]
    return first, second, third


def fsca_action_gradient(
    gamma: Real,
    L: RealMat,
    G: RealTensor3,
    c: RealMat,
    h: RealTensor3,
    H: RealTensor3,
    V: Vec,
    s: int,
    a: RealVec,
) -> Vec:
    """grad_a Q(s, a), the sum of the three terms of fsca_proof_terms (lecture eq 40)."""
    first, second, third = fsca_proof_terms(gamma, L, G, c, h, H, V, s, a)
    return [x + y + z for x, y, z in zip(first, second, third, strict=True)]


def fsca_gradient(
    gamma: Real,
    mu: RealVec,
    L: RealMat,
    G: RealTensor3,
    c: RealMat,
    h: RealTensor3,
    H: RealTensor3,
    theta: RealMat,
) -> Mat:
    """fsca.gradient: grad_theta V^pi(mu) by the DPG theorem (lecture eq 37): with pi(s) = theta[s],
    d V / d theta[s] = 1/(1-gamma) d_mu^pi(s) grad_a Q^pi(s, a)|_{a = theta[s]}."""
    g = to_mpf(gamma)
    values = fsca_v(gamma, L, G, c, h, H, theta)
    d = fsca_visitation(gamma, mu, L, G, theta)
    return [
        [d[s] / (1 - g) * x for x in fsca_action_gradient(gamma, L, G, c, h, H, values, s, theta[s])]
        for s in range(len(L))
    ]


# ---- DDPG (sample-batch forms) -----------------------------------------------------------------


def critic_target(r: RealVec, done: RealVec, gamma: Real, q_next: RealVec) -> Vec:
    """ddpg.critic_target: y_i = r_i + gamma (1 - done_i) Q'(s'_i, pi'(s'_i)), q_next_i the
    target critic at the target actor's action."""
    g = to_mpf(gamma)
    return [x + g * (1 - d) * y for x, d, y in zip(vec(r), vec(done), vec(q_next), strict=True)]


def critic_target_timeouts(
    r: RealVec, terminated: RealVec, truncated: RealVec, gamma: Real, q_next: RealVec
) -> Vec:
    """ddpg.critic_target_timeouts: y_i = r_i + gamma (1 - terminated_i) Q'(s'_i, pi'(s'_i)); a time-out
    (truncated_i = 1) is not a terminal state of the MDP, so it bootstraps like any other step."""
    del truncated  # the time limit is not part of the MDP
    return critic_target(r, terminated, gamma, q_next)


def critic_loss(q: RealVec, y: RealVec) -> Any:
    """ddpg.critic_loss: (1/N) sum_i (Q(s_i, a_i) - y_i)^2, the mean squared TD error."""
    diffs = [x - t for x, t in zip(vec(q), vec(y), strict=True)]
    return mp.fsum(d * d for d in diffs) / len(diffs)


def actor_objective(q_pi: RealVec) -> Any:
    """ddpg.actor_objective: (1/N) sum_i Q(s_i, pi(s_i)), the sample mean the actor ascends."""
    xs = vec(q_pi)
    return mp.fsum(xs) / len(xs)


def soft_update(theta: RealVec, theta_target: RealVec, tau: Real) -> Vec:
    """ddpg.soft_update: theta' <- tau theta + (1 - tau) theta'."""
    t = to_mpf(tau)
    return [t * x + (1 - t) * y for x, y in zip(vec(theta), vec(theta_target), strict=True)]
