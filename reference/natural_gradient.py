"""Lecture section "Gradient Method over Distributions" / "Natural Gradient over Distributions" /
"Derivation of Natural Gradient Direction": J(theta) = E_{X ~ P_theta} f(X), its score-function
gradient, the Fisher information, KL(P || Q), the natural direction F^+ grad J and the step
solving max <grad J, d> subject to d^T F d <= 2 alpha.

Two families (oracle.families.dist_categorical, oracle.families.dist_gaussian):

- categorical: p_theta(x) = softmax(theta)[x] on {0..K-1}, values f[x];
- diagonal Gaussian: X ~ N(m, diag(sigma^2)), sigma = exp(s), theta = (m, s) in R^{2n},
  f(x) = c + b^T x + x^T H x. Its expectations are closed forms through X = m + sigma * Z,
  Z ~ N(0, I), E Z_i = 0, E Z_i^2 = 1, E Z_i^4 = 3, odd moments 0.

Pure functions of exact inputs (int, Fraction, mpf; nested lists), at the caller's precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpmath import mp

from rlspec.reference.numbers import Mat, Real, Vec, dot, log_softmax, softmax, to_mpf, vec

# ---- categorical family ----------------------------------------------------------------------


def probabilities_categorical(theta: Sequence[Real]) -> Vec:
    """p_theta(x) = exp(theta[x]) / sum_y exp(theta[y])."""
    return softmax(vec(theta))


def log_probabilities_categorical(theta: Sequence[Real]) -> Vec:
    """log p_theta(x) = theta[x] - logsumexp(theta)."""
    return log_softmax(vec(theta))


def objective_categorical(theta: Sequence[Real], f: Sequence[Real]) -> Any:
    """dist.objective_categorical: J(theta) = E_{X ~ P_theta} f(X) = sum_x p_theta(x) f(x).
    Lecture eq. 1."""
    return dot(probabilities_categorical(theta), vec(f))


def score_categorical(theta: Sequence[Real]) -> Mat:
    """dist.score_categorical: row x is grad_theta log p_theta(x) = e_x - p_theta.
    Lecture eq. 6 (the vector inside the expectation)."""
    p = probabilities_categorical(theta)
    k = len(p)
    return [[(mp.one if i == x else mp.zero) - p[i] for i in range(k)] for x in range(k)]


def gradient_categorical(theta: Sequence[Real], f: Sequence[Real]) -> Vec:
    """dist.gradient_categorical: grad J(theta) = E_{X ~ P_theta}[f(X) grad_theta log p_theta(X)]
    (the score-function form), summed over the support. Lecture eq. 1-2."""
    p = probabilities_categorical(theta)
    fv = vec(f)
    scores = score_categorical(theta)
    k = len(p)
    return [mp.fsum(p[x] * fv[x] * scores[x][i] for x in range(k)) for i in range(k)]


def fisher_categorical(theta: Sequence[Real]) -> Mat:
    """dist.fisher_categorical: F(theta) = E[grad log p (grad log p)^T] = diag(p) - p p^T.
    Lecture eq. 6 (closed form of the expectation)."""
    p = probabilities_categorical(theta)
    k = len(p)
    return [[(p[i] if i == j else mp.zero) - p[i] * p[j] for j in range(k)] for i in range(k)]


def fisher_pinv_categorical(theta: Sequence[Real]) -> Mat:
    """F(theta)^+ = C diag(1/p) C with C = I - 1 1^T / K (every p_theta(x) > 0).

    F = diag(p) - p p^T has null space span(1) and range 1^perp. For v in 1^perp the solution
    of F x = v in 1^perp is x = C (v / p): indeed F (v/p + c 1) = v - p (1^T v) = v. So
    F^+ = C D^{-1} C (symmetric, kills 1, inverts F on 1^perp).
    """
    p = probabilities_categorical(theta)
    k = len(p)
    inv = [1 / q for q in p]
    # (C D^{-1} C)_{ij} = inv_i [i = j] - (inv_i + inv_j) / K + sum(inv) / K^2
    total = mp.fsum(inv)
    return [
        [(inv[i] if i == j else mp.zero) - (inv[i] + inv[j]) / k + total / k**2 for j in range(k)]
        for i in range(k)
    ]


def kl_categorical(theta: Sequence[Real], theta_new: Sequence[Real]) -> Any:
    """dist.kl_categorical: KL(P_theta || P_theta_new) = sum_x p(x) log(p(x) / q(x)).
    Lecture eq. 8."""
    p = probabilities_categorical(theta)
    lp = log_probabilities_categorical(theta)
    lq = log_probabilities_categorical(theta_new)
    return mp.fsum(pi * (a - b) for pi, a, b in zip(p, lp, lq, strict=True))


def natural_direction_categorical(theta: Sequence[Real], f: Sequence[Real]) -> Vec:
    """dist.natural_direction_categorical: F(theta)^+ grad J(theta). Lecture eq. 5, 7, 13.

    With F^+ = C D^{-1} C (fisher_pinv_categorical) and 1^T grad J = 0, F^+ grad J = C D^{-1} grad J:
    divide by p, then centre. (Applying the rounded C first would divide its rounding residue by
    min p.) It equals f - mean(f): the natural gradient of a categorical J is the centred f.
    """
    p = probabilities_categorical(theta)
    x = [gi / pi for gi, pi in zip(gradient_categorical(theta, f), p, strict=True)]
    mean = mp.fsum(x) / len(x)
    return [xi - mean for xi in x]


def natural_step_categorical(theta: Sequence[Real], f: Sequence[Real], alpha: Real) -> Vec:
    """dist.natural_step_categorical: d* = sqrt(2 alpha / (g^T F^+ g)) F^+ g, g = grad J(theta),
    the maximizer of <g, d> subject to d^T F d <= 2 alpha (lecture eq. 13, KL <= alpha by
    the expansion KL ~ d^T F d / 2). d* = 0 when g = 0 (f constant: every d is optimal)."""
    if zero_gradient_categorical(f):
        return [mp.zero] * len(f)
    return _natural_step(gradient_categorical(theta, f), natural_direction_categorical(theta, f), alpha)


def zero_gradient_categorical(f: Sequence[Real]) -> bool:
    """grad J = p (f - J) = 0 exactly: f is constant (every p_theta(x) > 0), decided on the inputs."""
    return all(x == f[0] for x in f)


# ---- diagonal Gaussian family ----------------------------------------------------------------


def _gauss(mean: Sequence[Real], log_std: Sequence[Real]) -> tuple[Vec, Vec]:
    m = vec(mean)
    sigma = [mp.exp(s) for s in vec(log_std)]
    return m, sigma


def _sym(H: Sequence[Sequence[Real]]) -> Mat:
    """H + H^T (the gradient of x^T H x is (H + H^T) x)."""
    h = [vec(row) for row in H]
    n = len(h)
    return [[h[i][j] + h[j][i] for j in range(n)] for i in range(n)]


def log_density_gaussian(mean: Sequence[Real], log_std: Sequence[Real], x: Sequence[Real]) -> Any:
    """log p_theta(x) = sum_i [-(x_i - m_i)^2 / (2 sigma_i^2) - s_i - log(2 pi) / 2]."""
    m, sigma = _gauss(mean, log_std)
    xs, s = vec(x), vec(log_std)
    return mp.fsum(
        -((xi - mi) ** 2) / (2 * si**2) - li - mp.log(2 * mp.pi) / 2
        for xi, mi, si, li in zip(xs, m, sigma, s, strict=True)
    )


def f_quadratic(c: Real, b: Sequence[Real], H: Sequence[Sequence[Real]], x: Sequence[Real]) -> Any:
    """f(x) = c + b^T x + x^T H x."""
    xs = vec(x)
    h = [vec(row) for row in H]
    return to_mpf(c) + dot(vec(b), xs) + mp.fsum(dot(row, xs) * xi for row, xi in zip(h, xs, strict=True))


def objective_gaussian(
    mean: Sequence[Real], log_std: Sequence[Real], c: Real, b: Sequence[Real], H: Sequence[Sequence[Real]]
) -> Any:
    """dist.objective_gaussian: J(theta) = E f(X) = c + b^T m + m^T H m + sum_i H_ii sigma_i^2.
    Lecture eq. 1."""
    m, sigma = _gauss(mean, log_std)
    h = [vec(row) for row in H]
    quad = mp.fsum(dot(row, m) * mi for row, mi in zip(h, m, strict=True))
    trace = mp.fsum(h[i][i] * sigma[i] ** 2 for i in range(len(m)))
    return to_mpf(c) + dot(vec(b), m) + quad + trace


def score_gaussian(mean: Sequence[Real], log_std: Sequence[Real], x: Sequence[Real]) -> Vec:
    """dist.score_gaussian: grad_theta log p_theta(x) = ((x - m) / sigma^2, (x - m)^2 / sigma^2 - 1).
    Lecture eq. 6 (the vector inside the expectation)."""
    m, sigma = _gauss(mean, log_std)
    xs = vec(x)
    z = [(xi - mi) / si for xi, mi, si in zip(xs, m, sigma, strict=True)]
    return [zi / si for zi, si in zip(z, sigma, strict=True)] + [zi**2 - 1 for zi in z]


def gradient_gaussian(
    mean: Sequence[Real], log_std: Sequence[Real], c: Real, b: Sequence[Real], H: Sequence[Sequence[Real]]
) -> Vec:
    """dist.gradient_gaussian: grad J = E[f(X) grad log p_theta(X)], with X = m + sigma Z:
    the mean part E[f(X) Z_i] / sigma_i = b_i + ((H + H^T) m)_i, the log-std part
    E[f(X) (Z_i^2 - 1)] = H_ii sigma_i^2 (E Z^4 - 1) = 2 H_ii sigma_i^2 (only the Z_i^2 term of f
    survives). Lecture eq. 1-2."""
    m, sigma = _gauss(mean, log_std)
    hs = _sym(H)
    g_mean = [to_mpf(bi) + dot(row, m) for bi, row in zip(b, hs, strict=True)]
    g_std = [hs[i][i] * sigma[i] ** 2 for i in range(len(m))]  # (H + H^T)_ii = 2 H_ii
    return g_mean + g_std


def fisher_gaussian(mean: Sequence[Real], log_std: Sequence[Real]) -> Mat:
    """dist.fisher_gaussian: F(theta) = E[score score^T] = diag(1/sigma^2, 2): E[Z_i Z_j] / (sigma_i
    sigma_j) = [i = j] / sigma_i^2, E[Z_i (Z_j^2 - 1)] = 0, E[(Z_i^2 - 1)(Z_j^2 - 1)] = 2 [i = j].
    Lecture eq. 6."""
    _, sigma = _gauss(mean, log_std)
    n = len(sigma)
    diag = [1 / s**2 for s in sigma] + [mp.mpf(2)] * n
    return [[diag[i] if i == j else mp.zero for j in range(2 * n)] for i in range(2 * n)]


def kl_gaussian(
    mean: Sequence[Real], log_std: Sequence[Real], mean_new: Sequence[Real], log_std_new: Sequence[Real]
) -> Any:
    """dist.kl_gaussian: KL(N(m, sigma^2) || N(m', sigma'^2)) summed over coordinates:
    sum_i [s'_i - s_i + (sigma_i^2 + (m_i - m'_i)^2) / (2 sigma'_i^2) - 1/2]. Lecture eq. 8."""
    m, s = vec(mean), vec(log_std)
    m2, s2 = vec(mean_new), vec(log_std_new)
    terms = []
    for mi, si, mj, sj in zip(m, s, m2, s2, strict=True):
        ratio = mp.exp(2 * (si - sj))  # sigma^2 / sigma'^2
        terms.append(sj - si + (ratio - 1) / 2 + (mi - mj) ** 2 / (2 * mp.exp(2 * sj)))
    return mp.fsum(terms)


def natural_direction_gaussian(
    mean: Sequence[Real], log_std: Sequence[Real], c: Real, b: Sequence[Real], H: Sequence[Sequence[Real]]
) -> Vec:
    """dist.natural_direction_gaussian: F^{-1} grad J = (sigma^2 (b + (H + H^T) m), H_ii sigma_i^2)
    (F is diagonal and invertible). Lecture eq. 5, 7, 13."""
    g = gradient_gaussian(mean, log_std, c, b, H)
    F = fisher_gaussian(mean, log_std)
    return [gi / F[i][i] for i, gi in enumerate(g)]


def natural_step_gaussian(
    mean: Sequence[Real],
    log_std: Sequence[Real],
    c: Real,
    b: Sequence[Real],
    H: Sequence[Sequence[Real]],
    alpha: Real,
) -> Vec:
    """dist.natural_step_gaussian: d* = sqrt(2 alpha / (g^T F^{-1} g)) F^{-1} g; d* = 0 when
    g = 0 (b + (H + H^T) m = 0 and diag H = 0, decided exactly on the inputs). Lecture eq. 13."""
    if zero_gradient_gaussian(mean, b, H):
        return [mp.zero] * (2 * len(mean))
    g = gradient_gaussian(mean, log_std, c, b, H)
    return _natural_step(g, natural_direction_gaussian(mean, log_std, c, b, H), alpha)


def zero_gradient_gaussian(mean: Sequence[Real], b: Sequence[Real], H: Sequence[Sequence[Real]]) -> bool:
    """grad J = 0 exactly: b + (H + H^T) m = 0 and diag H = 0, decided in the inputs' own
    (exact) arithmetic."""
    n = len(mean)
    hs = [[H[i][j] + H[j][i] for j in range(n)] for i in range(n)]
    return all(H[i][i] == 0 for i in range(n)) and all(
        b[i] + sum((hs[i][j] * mean[j] for j in range(n)), 0 * b[i]) == 0 for i in range(n)
    )


# ---- shared ----------------------------------------------------------------------------------


def _natural_step(g: Vec, direction: Vec, alpha: Real) -> Vec:
    """sqrt(2 alpha / <g, F^+ g>) F^+ g."""
    scale = mp.sqrt(2 * to_mpf(alpha) / dot(g, direction))
    return [scale * d for d in direction]
