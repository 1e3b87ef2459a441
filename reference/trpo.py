"""Trust Region Policy Optimization (TRPO) for the tabular softmax policy (lecture: "Trust
Region Policy Optimization (TRPO)" and "TRPO is Approximately NPG Plus Line Search", eqs 24-29).

theta (= theta_t) is the current policy's logits, theta_new the candidate's. The KL divergences
are KL(pi_t(.|s) || pi_new(.|s)), old policy first, as in the lecture. Vectors over parameters
are [S][A] arrays, flattened row-major (s*A + a) where a matrix acts on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpmath import mp

from rlspec.reference import mdp
from rlspec.reference.natural_gradient import kl_categorical
from rlspec.reference.npg import direction, discounted_weights
from rlspec.reference.numbers import Mat, Real, Vec, dot, mat, to_mpf

RealMat = Sequence[Sequence[Real]]
RealTensor3 = Sequence[Sequence[Sequence[Real]]]


def kl_rows(theta: RealMat, theta_new: RealMat) -> Vec:
    """KL(pi_t(.|s) || pi_new(.|s)) = sum_a pi_t(a|s) (log pi_t(a|s) - log pi_new(a|s)), per state:
    dist.kl_categorical (lecture eq 8) of each state's logits."""
    return [kl_categorical(old, new) for old, new in zip(mat(theta), mat(theta_new), strict=True)]


def gain(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, theta_new: RealMat
) -> Real:
    """V_t(theta_new) - V^{pi_t}(mu) = 1/(1 - gamma) E_{s ~ d_t} E_{a ~ pi_new(.|s)}[A^{pi_t}(s,a)]."""
    g = to_mpf(gamma)
    d = discounted_weights(P, gamma, mu, theta)
    pi_new = mdp.policy(theta_new)
    adv = mdp.advantage(P, R, gamma, theta)
    return mp.fsum(d[s] * dot(pi_new[s], adv[s]) for s in range(len(adv))) / (1 - g)


# ---- eq 24: the surrogate ----------------------------------------------------------------------


def surrogate(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, theta_new: RealMat
) -> Real:
    """trpo.surrogate: V_t(theta_new) = V^{pi_t}(mu) + 1/(1 - gamma) E_{s ~ d_mu^{pi_t}}
    E_{a ~ pi_new(.|s)}[A^{pi_t}(s,a)] (eq 24)."""
    return mdp.objective(P, R, gamma, mu, theta) + gain(P, R, gamma, mu, theta, theta_new)


# ---- eqs 25-27: the KL divergences and the lower bound ---------------------------------------


def mean_kl(P: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, theta_new: RealMat) -> Real:
    """trpo.mean_kl: E_{s ~ d_mu^{pi_t}}[KL(pi_t(.|s) || pi_new(.|s))] (eq 27's constraint)."""
    return dot(discounted_weights(P, gamma, mu, theta), kl_rows(theta, theta_new))


def max_kl(theta: RealMat, theta_new: RealMat) -> Real:
    """trpo.max_kl: max_s KL(pi_t(.|s) || pi_new(.|s)) over every state (eqs 25, 26)."""
    return max(kl_rows(theta, theta_new))


def lower_bound(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, theta_new: RealMat
) -> Real:
    """trpo.lower_bound: V_t(theta_new) - 2 gamma eps_t / (1 - gamma)^2 max_s KL(pi_t || pi_new),
    eps_t = max_{s,a} |A^{pi_t}(s,a)| (eq 25's right-hand side; V^{pi_new}(mu) >= it)."""
    g = to_mpf(gamma)
    eps_t = max(abs(x) for row in mdp.advantage(P, R, gamma, theta) for x in row)
    penalty = 2 * g * eps_t / (1 - g) ** 2 * max_kl(theta, theta_new)
    return surrogate(P, R, gamma, mu, theta, theta_new) - penalty


# ---- eq 28: the local models -----------------------------------------------------------------


def inner(x: Mat, y: Mat) -> Any:
    """x^T y for two [S][A] arrays (flattened row-major)."""
    return mp.fsum(dot(a, b) for a, b in zip(x, y, strict=True))


def displacement(theta: RealMat, theta_new: RealMat) -> Mat:
    return [
        [y - x for x, y in zip(a, b, strict=True)] for a, b in zip(mat(theta), mat(theta_new), strict=True)
    ]


def surrogate_linear(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, theta_new: RealMat
) -> Real:
    """trpo.surrogate_linear: (grad_theta V^{pi_t}(mu))^T (theta_new - theta_t) (eq 28, left),
    the linear model of V_t(theta_new) - V^{pi_t}(mu) (eq 28 drops the constant V^{pi_t}(mu))."""
    grad = mdp.gradient(P, R, gamma, mu, theta)
    step = displacement(theta, theta_new)
    return inner(grad, step)


def fisher_vector_product(P: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, v: RealMat) -> Mat:
    """trpo.fisher_vector_product: F(theta_t) v, F the discounted Fisher (npg.fisher), v an [S][A]
    array: (F v)[s] = d(s) (pi_s * v_s - pi_s (pi_s . v_s))."""
    return _fisher_product(discounted_weights(P, gamma, mu, theta), mdp.policy(theta), mat(v))


def _fisher_product(d: Vec, pi: Mat, v: Mat) -> Mat:
    """(F v)[s] = d(s) (pi_s * v_s - pi_s (pi_s . v_s)), from the weights d and the policy pi."""
    out = []
    for w, pi_s, v_s in zip(d, pi, v, strict=True):
        mean = dot(pi_s, v_s)
        out.append([w * p * (x - mean) for p, x in zip(pi_s, v_s, strict=True)])
    return out


def kl_quadratic(P: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, theta_new: RealMat) -> Real:
    """trpo.kl_quadratic: (1/2) (theta_new - theta_t)^T F(theta_t) (theta_new - theta_t) (eq 28,
    right), the quadratic model of trpo.mean_kl."""
    step = displacement(theta, theta_new)
    fv = fisher_vector_product(P, gamma, mu, theta, step)
    return inner(step, fv) / 2


# ---- eq 29: the natural step, and how implementations take it ---------------------------------


def step(P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, delta: Real) -> Mat:
    """trpo.step: sqrt(2 delta / (g^T F^+ g)) F^+ g with g = grad V^{pi_t}(mu), F = F(theta_t): the
    maximizer of g^T x subject to (1/2) x^T F x <= delta (eq 29). It is 0 when g^T F^+ g = 0
    (then g = 0: no direction improves the linear model)."""
    x = direction(P, R, gamma, mu, theta)
    grad = mdp.gradient(P, R, gamma, mu, theta)
    curvature = inner(grad, x)
    if curvature <= 0:
        return [[mp.zero] * len(row) for row in x]
    scale = mp.sqrt(2 * to_mpf(delta) / curvature)
    return [[scale * y for y in row] for row in x]


def line_search_path(
    P: RealTensor3,
    R: RealTensor3,
    gamma: Real,
    mu: Sequence[Real],
    theta: RealMat,
    delta: Real,
    beta: Real,
    max_backtracks: Real,
) -> tuple[Mat, int]:
    """The backtracking line search on the natural step s = trpo.step: for j = 0, 1, ...,
    max_backtracks try theta_j = theta_t + beta^j s and accept the first j with
      (i)  V_t(theta_j) > V_t(theta_t) = V^{pi_t}(mu)   (the surrogate strictly improves), and
      (ii) E_{s ~ d_t} KL(pi_t(.|s) || pi_{theta_j}(.|s)) <= delta   (trpo.mean_kl).
    Returns (theta_j, j), or (theta_t, -1) when no candidate is accepted; a zero step (g = 0) is
    never accepted (theta_j = theta_t does not strictly improve)."""
    base = mat(theta)
    full = step(P, R, gamma, mu, theta, delta)
    if all(x == 0 for row in full for x in row):
        return base, -1
    b = to_mpf(beta)
    for j in range(int(max_backtracks) + 1):
        scale = b**j
        candidate = [
            [t + scale * x for t, x in zip(rt, rx, strict=True)] for rt, rx in zip(base, full, strict=True)
        ]
        if gain(P, R, gamma, mu, theta, candidate) > 0 and mean_kl(P, gamma, mu, theta, candidate) <= to_mpf(
            delta
        ):
            return candidate, j
    return base, -1


def line_search(
    P: RealTensor3,
    R: RealTensor3,
    gamma: Real,
    mu: Sequence[Real],
    theta: RealMat,
    delta: Real,
    beta: Real,
    max_backtracks: Real,
) -> Mat:
    """trpo.line_search: the accepted logits theta_t + beta^j trpo.step, j the first of
    0..max_backtracks with V_t(theta_j) > V^{pi_t}(mu) and trpo.mean_kl(theta_j) <= delta;
    theta_t when none is accepted."""
    return line_search_path(P, R, gamma, mu, theta, delta, beta, max_backtracks)[0]


def line_search_backtracks(
    P: RealTensor3,
    R: RealTensor3,
    gamma: Real,
    mu: Sequence[Real],
    theta: RealMat,
    delta: Real,
    beta: Real,
    max_backtracks: Real,
) -> int:
    """trpo.line_search_backtracks: the accepted j of trpo.line_search (the number of times the
    step was shrunk by beta), or -1 when no candidate was accepted."""
    return line_search_path(P, R, gamma, mu, theta, delta, beta, max_backtracks)[1]


def conjugate_gradient(
    P: RealTensor3,
    R: RealTensor3,
    gamma: Real,
    mu: Sequence[Real],
    theta: RealMat,
    iterations: Real,
    damping: Real,
) -> Mat:
    """trpo.conjugate_gradient: `iterations` steps of conjugate gradient on (F + damping I) x = g,
    g = grad V^{pi_t}(mu), F = F(theta_t), from x_0 = 0 (the lecture's problem is damping = 0):
      r_0 = p_0 = g; alpha_k = r_k.r_k / p_k.(F + damping I) p_k; x_{k+1} = x_k + alpha_k p_k;
      r_{k+1} = r_k - alpha_k (F + damping I) p_k; p_{k+1} = r_{k+1} + (r_{k+1}.r_{k+1} / r_k.r_k) p_k.
    The iteration stops early, keeping x_k, when r_k = 0 (x_k is then exact): at working precision
    p bits, when |r_k| <= 2^(-3p/4) |g| (a residual that small is rounding; continuing would divide
    by a rounding-level curvature), or when p_k.(F + damping I) p_k <= 0."""
    lam = to_mpf(damping)
    n_actions = len(theta[0])

    def flatten(rows: Mat) -> Vec:
        return [x for row in rows for x in row]

    def unflatten(vector: Vec) -> Mat:
        return [vector[s * n_actions : (s + 1) * n_actions] for s in range(len(theta))]

    grad = mdp.gradient(P, R, gamma, mu, theta)
    d = discounted_weights(P, gamma, mu, theta)
    pi = mdp.policy(theta)

    def apply(vector: Vec) -> Vec:
        fv = _fisher_product(d, pi, unflatten(vector))
        return [f + lam * x for f, x in zip(flatten(fv), vector, strict=True)]

    r = flatten(grad)
    p = list(r)
    x = [mp.zero] * len(r)
    rr = dot(r, r)
    floor = rr * mp.mpf(2) ** (-3 * mp.prec // 2)
    for _ in range(int(iterations)):
        if rr <= floor:
            break
        fp = apply(p)
        curvature = dot(p, fp)
        if curvature <= 0:
            break
        alpha = rr / curvature
        x = [a + alpha * b for a, b in zip(x, p, strict=True)]
        r = [a - alpha * b for a, b in zip(r, fp, strict=True)]
        rr_new = dot(r, r)
        p = [a + rr_new / rr * b for a, b in zip(r, p, strict=True)]
        rr = rr_new
    return unflatten(x)
