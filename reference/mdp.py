"""MDP core and the policy gradient (lecture: "Natural Policy Gradient (NPG)", and the
performance difference lemma of "Trust Region Policy Optimization (TRPO)").

Tabular MDP: P[s][a][s'] = P(s'|s,a), R[s][a][s'] = r(s,a,s'), discount gamma, initial
distribution mu, softmax policy pi(a|s) = exp(theta[s][a]) / sum_a' exp(theta[s][a']).
"""

from __future__ import annotations

from collections.abc import Sequence

from mpmath import mp

from rlspec.reference import fixed_point
from rlspec.reference.numbers import (
    Mat,
    Real,
    RealMat,
    RealTensor3,
    Vec,
    dot,
    fixed_array,
    from_fixed,
    mat,
    softmax,
    solve_refined,
    tensor3,
    to_mpf,
    vec,
)


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
    model = fixed_point.fixed_model(P, R, gamma)
    values = fixed_point.solve(model, fixed_point.policy_part(model, pi, exact=True), transpose=False)
    return [from_fixed(x, model.scale) for x in values]


def q_from_v(P: RealTensor3, R: RealTensor3, gamma: Real, V: Sequence[Real]) -> Mat:
    """Q(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V(s'))."""
    model = fixed_point.fixed_model(P, R, gamma)
    q_fixed = fixed_point.q_fixed(model, fixed_array(list(V), model.scale))
    return [[from_fixed(x, model.scale) for x in row] for row in q_fixed]


def v(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat) -> Vec:
    """mdp.v: V^pi(s) = E[sum_t gamma^t r_t | s_0 = s, pi_theta]."""
    model = fixed_point.fixed_model(P, R, gamma)
    return [from_fixed(x, model.scale) for x in fixed_point.v_fixed(model, theta)]


def q(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat) -> Mat:
    """mdp.q: Q^pi(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V^pi(s'))."""
    model = fixed_point.fixed_model(P, R, gamma)
    q_fixed = fixed_point.q_fixed(model, fixed_point.v_fixed(model, theta))
    return [[from_fixed(x, model.scale) for x in row] for row in q_fixed]


def advantage(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat) -> Mat:
    """mdp.advantage: A^pi(s,a) = Q^pi(s,a) - V^pi(s)."""
    model = fixed_point.fixed_model(P, R, gamma)
    values = fixed_point.v_fixed(model, theta)
    q_fixed = fixed_point.q_fixed(model, values)
    return [[from_fixed(x - values[s], model.scale) for x in row] for s, row in enumerate(q_fixed)]


def visitation(P: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat) -> Vec:
    """mdp.visitation: d_mu^pi(s) = (1 - gamma) sum_t gamma^t P(s_t = s), i.e. the solution of
    d = (1 - gamma) mu + gamma P_pi^T d."""
    model = fixed_point.fixed_model(P, None, gamma)
    return [from_fixed(x, model.bits) for x in fixed_point.d_fixed(model, mu, theta)]


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


def performance_difference(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, theta_new: RealMat
) -> Real:
    """pg.performance_difference: the right-hand side of the performance difference lemma (lecture
    eq. 23, "Trust Region Policy Optimization (TRPO)", with theta_t = theta and theta = theta_new):
    V^{pi_t}(mu) + 1/(1 - gamma) E_{s ~ d_mu^{pi_new}} E_{a ~ pi_new(.|s)} [A^{pi_t}(s, a)],
    which equals V^{pi_new}(mu)."""
    g = to_mpf(gamma)
    d_new = visitation(P, gamma, mu, theta_new)
    pi_new = policy(theta_new)
    adv = advantage(P, R, gamma, theta)
    gain = mp.fsum(d_new[s] * dot(pi_new[s], adv[s]) for s in range(len(adv)))
    return objective(P, R, gamma, mu, theta) + gain / (1 - g)


# ---- the average case: the stationary distribution -------------------------------------------


def support_graph(P: RealTensor3) -> list[list[int]]:
    """succ[s] = the states s' with P(s'|s,a) > 0 for some a: the exact support of P_pi for a
    softmax policy (every action has positive probability)."""
    return [sorted({t for row in block for t, x in enumerate(row) if x != 0}) for block in P]


def recurrent_classes(succ: list[list[int]]) -> list[list[int]]:
    """The closed communicating classes of the chain with support graph `succ` (Tarjan's strongly
    connected components; a component is recurrent iff no edge leaves it)."""
    n = len(succ)
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    components: list[list[int]] = []
    counter = 0
    for root in range(n):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            if i < len(succ[node]):
                work.append((node, i + 1))
                nxt = succ[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                components.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(c for c in components if all(t in c for s in c for t in succ[s]))


def stationary(P: RealTensor3, mu: Sequence[Real], theta: RealMat) -> Vec:
    """mdp.stationary: d^pi(s) = E_{s0 ~ mu}[lim_t P(s_t = s)] (lecture: "Natural Policy Gradient
    (NPG)", the average-case Fisher matrix), the Cesaro limit lim_T (1/T) sum_{t<T} P(s_t = s)
    where the chain is periodic.

    d = sum_C w_C pi_C over the recurrent classes C of P_pi (found from the exact support of P):
    pi_C is C's stationary law (pi_C (I - P_CC) = 0, sum pi_C = 1) and w_C = P(absorbed in C)
    = sum_s mu(s) h_C(s), with h_C = 1 on C, 0 on other classes, and on the transient states T
    (I - P_TT) h_C = P_TC 1."""
    p_pi = softmax_chain(P, theta)
    m = vec(mu)
    n = len(p_pi)
    classes = recurrent_classes(support_graph(P))
    in_class = {s for c in classes for s in c}
    transient = [s for s in range(n) if s not in in_class]
    d = [mp.zero] * n
    for c in classes:
        law = _class_law(p_pi, c)
        weight = mp.fsum(m[s] for s in c)
        if transient:
            rhs = [mp.fsum(p_pi[s][t] for t in c) for s in transient]
            system = [[(1 if s == t else 0) - p_pi[s][t] for t in transient] for s in transient]
            h = solve_refined(system, rhs)
            weight += dot([m[s] for s in transient], h)
        for s, x in zip(c, law, strict=True):
            d[s] = weight * x
    return d


def softmax_chain(P: RealTensor3, theta: RealMat) -> Mat:
    """P_pi for pi = softmax(theta), like transition_matrix(P, policy(theta)), from the cached
    exact fixed-point image of P and the policy floored at prec + 64 bits: each entry is within
    (|A| + 1) 2^-(prec + 64) of the exact P_pi before the final rounding to the current precision."""
    model = fixed_point.fixed_model(P, None, 0, need=mp.prec + 64)
    return [[from_fixed(x, model.bits) for x in row] for row in fixed_point.policy_part(model, theta).p_pi]


def _class_law(p_pi: Mat, c: list[int]) -> Vec:
    """The stationary law of the irreducible class c: x (I - P_cc) = 0 with sum x = 1 (one
    balance equation, redundant, is replaced by the normalization)."""
    k = len(c)
    system = [[(1 if i == j else 0) - p_pi[c[j]][c[i]] for j in range(k)] for i in range(k)]
    system[-1] = [mp.one] * k
    return solve_refined(system, [mp.zero] * (k - 1) + [mp.one])


# ---- hard optimal values ---------------------------------------------------------------------


def greedy(
    P: RealTensor3, R: RealTensor3, gamma: Real, V: Sequence[Real], keep: list[int] | None = None
) -> list[int]:
    """argmax_a Q(s,a) for Q = r + gamma P V; where `keep` is given, its action is kept unless
    another is better by more than the working precision (so policy iteration cannot cycle on
    rounding)."""
    qs = q_from_v(P, R, gamma, V)
    scale = max([abs(x) for row in qs for x in row] + [mp.one])
    slack = scale * mp.mpf(2) ** (-mp.prec + 8)
    out = []
    for s, row in enumerate(qs):
        best = max(range(len(row)), key=lambda a: row[a])
        if keep is not None and row[keep[s]] >= row[best] - slack:
            best = keep[s]
        out.append(best)
    return out


def deterministic(actions: list[int], n_actions: int) -> Mat:
    """The deterministic policy pi(a|s) = 1 if a = actions[s] else 0, as a matrix."""
    return [[mp.one if a == b else mp.zero for b in range(n_actions)] for a in actions]


def optimal_policy(P: RealTensor3, R: RealTensor3, gamma: Real) -> list[int]:
    """An optimal deterministic policy by policy iteration (Howard): evaluate, improve greedily,
    stop when the greedy policy is unchanged. Starts from the myopic policy argmax_a r(s,a)."""
    n_actions = len(P[0])
    actions = greedy(P, R, 0, [mp.zero] * len(P))
    for _ in range(10 * len(P) * n_actions + 100):
        values = evaluate(P, R, gamma, deterministic(actions, n_actions))
        improved = greedy(P, R, gamma, values, keep=actions)
        if improved == actions:
            return actions
        actions = improved
    raise ArithmeticError("policy iteration did not converge at this precision")


def v_star(P: RealTensor3, R: RealTensor3, gamma: Real) -> Vec:
    """mdp.v_star: V*(s) = max_pi V^pi(s), the fixed point of V = max_a [r(s,a) + gamma P(.|s,a) V]
    (the hard Bellman optimality equation; the lambda -> 0 limit of "Entropy Regularization")."""
    actions = optimal_policy(P, R, gamma)
    return evaluate(P, R, gamma, deterministic(actions, len(P[0])))


def q_star(P: RealTensor3, R: RealTensor3, gamma: Real) -> Mat:
    """mdp.q_star: Q*(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V*(s')."""
    return q_from_v(P, R, gamma, v_star(P, R, gamma))
