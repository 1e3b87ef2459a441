"""Entropy regularization (lecture: "Motivation: Enhance exploration by entropy regularization",
"Soft Bellman Equation", "Soft Bellman Operator", "Soft Bellman Optimality Equation",
"Optimal Policy", "Soft Policy Iteration").

Tabular MDP as in reference.mdp; the temperature is `lam` (the lecture's lambda > 0). A policy
is given by softmax logits `theta`. Internally a policy is carried as the pair
(pi, lam * log pi), so that lam * log pi is never formed as lam * (Q / lam): at lambda = 1e-6
the logits Q / lambda are huge but lam * log pi(a|s) = Q(s,a) - lam * logsumexp(Q(s,.)/lam)
stays of the size of Q.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpmath import mp

from rlspec.reference import mdp, soft_fixed_point
from rlspec.reference.numbers import (
    Mat,
    Real,
    RealMat,
    RealTensor3,
    Vec,
    dot,
    from_fixed,
    log_softmax,
    mat,
    softmax,
    tensor3,
    to_mpf,
    vec,
)

# A policy as (pi[s][a], lam * log pi(a|s)).
SoftPolicy = tuple[Mat, Mat]

MAX_ITERATIONS = 200  # soft policy iteration steps of the fallback for V*; it converges in far fewer


# ---- helpers ---------------------------------------------------------------------------------


def log_policy(theta: RealMat) -> Mat:
    """log pi_theta(a|s) = theta[s][a] - log sum_a' exp(theta[s][a'])."""
    return [log_softmax(row) for row in mat(theta)]


def soft_max_value(q_row: Sequence[Any], lam: Real) -> Any:
    """lam * log || exp(q / lam) ||_1 = max q + lam * log sum_a exp((q_a - max q) / lam)."""
    lam_ = to_mpf(lam)
    top = max(q_row)
    return top + lam_ * mp.log(mp.fsum(mp.exp((x - top) / lam_) for x in q_row))


def softmax_policy(theta: RealMat, lam: Real) -> SoftPolicy:
    """(pi_theta, lam * log pi_theta)."""
    lam_ = to_mpf(lam)
    return mdp.policy(theta), [[lam_ * x for x in row] for row in log_policy(theta)]


def gibbs_policy(Q: RealMat, lam: Real) -> SoftPolicy:
    """(pi, lam log pi) for pi(.|s) = softmax(Q(s,.)/lam), with lam log pi = Q - soft_max_value."""
    lam_ = to_mpf(lam)
    q_ = mat(Q)
    pi, lam_log = [], []
    for row in q_:
        value = soft_max_value(row, lam_)
        pi.append(softmax([x / lam_ for x in row]))
        lam_log.append([x - value for x in row])
    return pi, lam_log


def regularized_reward(R: RealTensor3, soft: SoftPolicy) -> list[list[list[Any]]]:
    """r_lambda(s,a,s') = r(s,a,s') - lam log pi(a|s), with lam log pi given."""
    r = tensor3(R)
    _, lam_log = soft
    return [[[x - lam_log[s][a] for x in r[s][a]] for a in range(len(r[s]))] for s in range(len(r))]


def evaluate_soft(P: RealTensor3, R: RealTensor3, gamma: Real, soft: SoftPolicy) -> Vec:
    """V_lambda^pi: the value of the regularized reward r_lambda under pi (a linear solve, in exact
    fixed point with r_lambda formed per (s,a): reference.soft_fixed_point.policy_values)."""
    values = soft_fixed_point.policy_values(P, R, gamma, *soft)
    if values is None:  # float64 cannot factorize I - gamma P_pi: the general solve
        values = mdp.evaluate(P, regularized_reward(R, soft), gamma, soft[0])
    return values  # type: ignore[no-any-return]


def apply_t_pi(P: RealTensor3, R: RealTensor3, gamma: Real, soft: SoftPolicy, V: Sequence[Real]) -> Vec:
    """[T_lambda^pi V](s) = sum_a pi(a|s) sum_s' P(s'|s,a) [r_lambda(s,a,s') + gamma V(s')]."""
    pi, _ = soft
    q_ = mdp.q_from_v(P, regularized_reward(R, soft), gamma, V)
    return [dot(pi[s], q_[s]) for s in range(len(pi))]


def apply_f_pi(P: RealTensor3, R: RealTensor3, gamma: Real, soft: SoftPolicy, Q: RealMat) -> Mat:
    """[F_lambda^pi Q](s,a)
    = sum_s' P(s'|s,a) [r(s,a,s') + gamma sum_a' pi(a'|s') (Q(s',a') - lam log pi(a'|s'))]
    (written as q_from_v of the soft state value sum_a' pi(a'|s') (Q(s',a') - lam log pi(a'|s')))."""
    pi, lam_log = soft
    q_ = mat(Q)
    after = [dot(pi[t], [q_[t][b] - lam_log[t][b] for b in range(len(q_[t]))]) for t in range(len(q_))]
    return mdp.q_from_v(P, R, gamma, after)


def apply_t_opt(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real, V: Sequence[Real]) -> Vec:
    """[T_lambda V](s) = lam log || exp(Q_V(s,.)/lam) ||_1, Q_V(s,a) = sum_s' P (r + gamma V(s'))."""
    return [soft_max_value(row, lam) for row in mdp.q_from_v(P, R, gamma, V)]


def apply_f_opt(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real, Q: RealMat) -> Mat:
    """[F_lambda Q](s,a) = sum_s' P(s'|s,a) [r(s,a,s') + gamma lam log || exp(Q(s',.)/lam) ||_1]."""
    return mdp.q_from_v(P, R, gamma, [soft_max_value(row, lam) for row in mat(Q)])


def sup_distance(x: Any, y: Any) -> Any:
    """max_i |x_i - y_i| over nested lists."""
    if isinstance(x, (list, tuple)):
        return max((sup_distance(a, b) for a, b in zip(x, y, strict=True)), default=mp.zero)
    return abs(to_mpf(x) - to_mpf(y))


# ---- formulas --------------------------------------------------------------------------------


def h(theta: RealMat) -> Vec:
    """entropy.h: H(pi(.|s)) = E_{a ~ pi(.|s)}[log 1/pi(a|s)] = -sum_a pi(a|s) log pi(a|s).
    Lecture: "Motivation: Enhance exploration by entropy regularization"."""
    return [-dot(p, lp) for p, lp in zip(mdp.policy(theta), log_policy(theta), strict=True)]


def reward(R: RealTensor3, theta: RealMat, lam: Real) -> list[list[list[Any]]]:
    """soft.reward: r_lambda(s,a,s') = r(s,a,s') - lambda log pi(a|s). Lecture: "Motivation"."""
    return regularized_reward(R, softmax_policy(theta, lam))


def v_pi(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat, lam: Real) -> Vec:
    """soft.v_pi: V_lambda^pi(s) = E[sum_t gamma^t r_lambda(s_t,a_t,s_t+1) | s_0 = s, pi], the
    solution of (I - gamma P_pi) V = sum_a pi(a|s) sum_s' P r_lambda. Lecture: "Soft Bellman Equation"."""
    return evaluate_soft(P, R, gamma, softmax_policy(theta, lam))


def q_pi(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat, lam: Real) -> Mat:
    """soft.q_pi: Q_lambda^pi(s,a) = E_{s'~P(.|s,a)}[r(s,a,s') + gamma V_lambda^pi(s')] (no entropy
    term at t = 0). Lecture: "Soft Bellman Equation"."""
    return mdp.q_from_v(P, R, gamma, v_pi(P, R, gamma, theta, lam))


def objective(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, lam: Real
) -> Any:
    """soft.objective: V_lambda^pi(mu) = E_{s ~ mu}[V_lambda^pi(s)]. Lecture: "Motivation"."""
    return dot(vec(mu), v_pi(P, R, gamma, theta, lam))


def objective_visitation(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, lam: Real
) -> Any:
    """The lecture's first form of soft.objective:
    V_lambda^pi(mu) = 1/(1-gamma) E_{s ~ d_mu^pi}[E_{a~pi} E_{s'~P} r(s,a,s') + lambda H(pi(.|s))]."""
    g, lam_ = to_mpf(gamma), to_mpf(lam)
    d = mdp.visitation(P, gamma, mu, theta)
    r_pi = mdp.policy_reward(P, R, mdp.policy(theta))
    entropy = h(theta)
    return dot(d, [r_pi[s] + lam_ * entropy[s] for s in range(len(d))]) / (1 - g)


def t_pi(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat, lam: Real, V: Sequence[Real]) -> Vec:
    """soft.t_pi: [T_lambda^pi V](s) = E_{a~pi(.|s)} E_{s'~P(.|s,a)}[r_lambda(s,a,s') + gamma V(s')].
    Lecture: "Soft Bellman Operator"."""
    return apply_t_pi(P, R, gamma, softmax_policy(theta, lam), V)


def f_pi(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat, lam: Real, Q: RealMat) -> Mat:
    """soft.f_pi: [F_lambda^pi Q](s,a)
    = E_{s'}[r(s,a,s') + gamma E_{a'~pi(.|s')}[Q(s',a') - lambda log pi(a'|s')]].
    Lecture: "Soft Bellman Operator"."""
    return apply_f_pi(P, R, gamma, softmax_policy(theta, lam), Q)


def t_opt(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real, V: Sequence[Real]) -> Vec:
    """soft.t_opt: [T_lambda V](s) = max_pi E_{a~pi} E_{s'}[r_lambda + gamma V(s')]
    = lambda log || exp(Q_V(s,.)/lambda) ||_1. Lecture: "Soft Bellman Optimality Equation: State Value"."""
    return apply_t_opt(P, R, gamma, lam, V)


def f_opt(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real, Q: RealMat) -> Mat:
    """soft.f_opt: [F_lambda Q](s,a) = E_{s'}[r(s,a,s') + gamma lambda log || exp(Q(s',.)/lambda) ||_1].
    Lecture: "Soft Bellman Optimality Equation: Action Value"."""
    return apply_f_opt(P, R, gamma, lam, Q)


def greedy_policy(Q: RealMat, lam: Real) -> Mat:
    """soft.greedy_policy: pi_lambda(a|s) = exp(Q(s,a)/lambda) / || exp(Q(s,.)/lambda) ||_1.
    Lecture: "Soft Bellman Optimality Equation: State Value"."""
    return gibbs_policy(Q, lam)[0]


def v_star(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real) -> Vec:
    """soft.v_star: V_lambda^*, the fixed point of T_lambda. Lecture: "Optimal Policy" (Theorem 2).

    Computed by soft policy iteration, which is Newton's method on V = T_lambda V: in float64 to
    convergence, then in exact fixed point until ||T_lambda V - V|| <= 2^-(prec + 16) (1 + ||V||)
    (1 - gamma), so that ||V - V_lambda^*|| <= 2^-(prec + 16) (1 + ||V||)
    (reference.soft_fixed_point.optimal_values); where those steps stop contracting, soft policy
    iteration with exact evaluation at every step (`soft_policy_iteration_values`)."""
    found = soft_fixed_point.optimal_values(P, R, gamma, lam)
    if found is None:
        return soft_policy_iteration_values(P, R, gamma, lam)
    model, values = found
    return [from_fixed(x, model.scale) for x in values]


def soft_policy_iteration_values(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real) -> Vec:
    """V_lambda^* by soft policy iteration with exact evaluation (Newton's method on V = T_lambda V,
    fast at any lambda), stopped when the residual ||T_lambda V - V|| is far below the working
    precision or the values stop increasing (the rounding floor); the iterate with the smallest
    residual is returned."""
    with mp.workdps(mp.dps + 10):
        target = mp.mpf(10) ** (6 - mp.dps)  # relative residual: far below the caller's precision
        near = mp.mpf(10) ** (-mp.dps // 2)
        soft = softmax_policy([[0] * len(row) for row in P], lam)
        best, best_residual, previous, stalled = None, None, None, 0
        for _ in range(MAX_ITERATIONS):
            values = evaluate_soft(P, R, gamma, soft)
            q_ = mdp.q_from_v(P, R, gamma, values)
            residual = sup_distance([soft_max_value(row, lam) for row in q_], values)
            size = 1 + max(abs(x) for x in values)
            if best_residual is None or residual < best_residual:
                best, best_residual = values, residual
            # the values increase at every step until the rounding floor (policy improvement);
            # the residual need not shrink at every step far from the fixed point
            progress: Any = None
            if previous is not None:
                progress = max(v - p for v, p in zip(values, previous, strict=True))
            stalled = stalled + 1 if progress is not None and progress <= near * size else 0
            if residual <= target * size or stalled >= 3:
                break
            previous = values
            soft = gibbs_policy(q_, lam)
    return [+x for x in best]  # type: ignore[union-attr]


def q_star(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real) -> Mat:
    """soft.q_star: Q_lambda^*(s,a) = E_{s'~P(.|s,a)}[r(s,a,s') + gamma V_lambda^*(s')], the fixed
    point of F_lambda. Lecture: "Optimal Policy" (Theorem 2)."""
    return mdp.q_from_v(P, R, gamma, v_star(P, R, gamma, lam))


def policy_star(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real) -> Mat:
    """soft.policy_star: pi_lambda^*(a|s) = exp(Q_lambda^*(s,a)/lambda) / || exp(Q_lambda^*(s,.)/lambda) ||_1.
    Lecture: "Optimal Policy" (Theorem 2)."""
    with mp.workdps(mp.dps + 10):
        pi = greedy_policy(q_star(P, R, gamma, lam), lam)
    return [[+x for x in row] for row in pi]


def policy_iteration(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat, lam: Real, k: Real) -> Mat:
    """soft.policy_iteration: pi_0 = softmax(theta); k times:
    Q_lambda^{pi_j} = F_lambda^{pi_j} Q_lambda^{pi_j} (soft policy evaluation),
    pi_{j+1}(.|s) = softmax(Q_lambda^{pi_j}(s,.)/lambda) (soft improvement);
    returns pi_k. Lecture: "Soft Policy Iteration"."""
    steps = int(k)
    if steps != k or steps < 0:
        raise ValueError(f"k must be a non-negative integer, got {k}")
    soft = softmax_policy(theta, lam)
    for _ in range(steps):
        soft = gibbs_policy(mdp.q_from_v(P, R, gamma, evaluate_soft(P, R, gamma, soft)), lam)
    return soft[0]
