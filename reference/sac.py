"""Soft Actor Critic (SAC): the lecture's section "Soft Actor Critic (SAC)" (display eq. 64),
max_theta V_lambda^{pi_theta}(mu), in the batch and distribution forms libraries compute.

Notation: the lecture's temperature lambda is called `alpha` here, as in Haarnoja et al. 2018
and in every library. A policy is a diagonal Gaussian in R^m, u = mean + std * eps with
std = exp(log_std), eps ~ N(0, I); the squashed policy acts a = scale * tanh(u) + bias.
The critic of the distribution forms is quadratic: Q(s, a) = b - (a - c)^T H (a - c), H
symmetric positive semidefinite.

The expectations of the squashed forms reduce to one-dimensional Gaussian integrals: the
log-determinant of the squashing is a sum over action dimensions, and the dimensions of a are
independent, so E[(a - c)^T H (a - c)] only needs E[a_j] and E[a_j^2]. They are enclosed by
rigorous quadrature in arb ball arithmetic (`rlspec.reference.quadrature`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpmath import mp

from rlspec.reference.numbers import Mat, Real, Vec, mat, to_mpf, vec
from rlspec.reference.quadrature import gradient_moments, objective_moments

# ---- batch forms ---------------------------------------------------------------------------


def q_target(
    r: Sequence[Real],
    done: Sequence[Real],
    gamma: Real,
    q1_next: Sequence[Real],
    q2_next: Sequence[Real],
    logp_next: Sequence[Real],
    alpha: Real,
) -> Vec:
    """sac.q_target: y_i = r_i + gamma (1 - done_i) (min(Q1'(s'_i, a'_i), Q2'(s'_i, a'_i))
    - alpha log pi(a'_i | s'_i)), a'_i ~ pi(. | s'_i); the soft Bellman backup of the twin-critic
    SAC (lecture: "Soft Actor Critic (SAC)"; Haarnoja et al. 2018, Fujimoto et al. 2018)."""
    g, lam = to_mpf(gamma), to_mpf(alpha)
    out = []
    for ri, di, q1, q2, lp in zip(r, done, q1_next, q2_next, logp_next, strict=True):
        soft_value = min(to_mpf(q1), to_mpf(q2)) - lam * to_mpf(lp)
        out.append(to_mpf(ri) + g * (1 - to_mpf(di)) * soft_value)
    return out


def log_one_minus_tanh_squared(u: Any) -> Any:
    """log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2 u)) = -2 log cosh(u), stable for any u."""
    return 2 * (mp.log(2) - u - softplus(-2 * u))


def softplus(x: Any) -> Any:
    """log(1 + exp(x)), without overflow for large x."""
    return x + mp.log1p(mp.exp(-x)) if x > 0 else mp.log1p(mp.exp(x))


def gaussian_log_density(u: Any, mean: Any, log_std: Any) -> Any:
    """log N(u; mean, exp(log_std)^2) in one dimension."""
    z = (u - mean) * mp.exp(-log_std)
    return -z * z / 2 - log_std - mp.log(2 * mp.pi) / 2


def tanh_gaussian_log_prob(
    u: Sequence[Sequence[Real]],
    mean: Sequence[Sequence[Real]],
    log_std: Sequence[Sequence[Real]],
    scale: Sequence[Real],
) -> Vec:
    """sac.tanh_gaussian_log_prob: for each sample i, the log-density of a = scale * tanh(u) + bias
    at the action reached from the pre-squash u ~ N(mean, diag exp(log_std)^2):
    log pi(a|s) = sum_j [log N(u_j; mean_j, std_j) - log(scale_j (1 - tanh(u_j)^2))]
    (change of variables, Haarnoja et al. 2018 appendix C; the bias shifts a and has no
    Jacobian). Inputs are the pre-squash u, so the value is defined (and stable) for any |u|."""
    scales = vec(scale)
    return [
        _squashed_log_density(ui, mi, si, scales)
        for ui, mi, si in zip(mat(u), mat(mean), mat(log_std), strict=True)
    ]


def _squashed_log_density(u: Vec, mean: Vec, log_std: Vec, scale: Vec) -> Any:
    """sum_j [log N(u_j; mean_j, std_j) - log(scale_j (1 - tanh(u_j)^2))], one sample."""
    return mp.fsum(
        gaussian_log_density(x, m, s) - mp.log(k) - log_one_minus_tanh_squared(x)
        for x, m, s, k in zip(u, mean, log_std, scale, strict=True)
    )


def temperature_objective(log_alpha: Real, logp: Sequence[Real], target_entropy: Real) -> Any:
    """sac.temperature_objective: J(alpha) = mean_i [-alpha (log pi(a_i|s_i) + target_entropy)],
    alpha = exp(log_alpha) (Haarnoja et al. 2018b, eq. 18, as a batch mean)."""
    alpha = mp.exp(to_mpf(log_alpha))
    h = to_mpf(target_entropy)
    xs = vec(logp)
    return -alpha * mp.fsum(x + h for x in xs) / len(xs)


def temperature_gradient(log_alpha: Real, logp: Sequence[Real], target_entropy: Real) -> Any:
    """sac.temperature_gradient: dJ/d(log alpha) = -alpha mean_i (log pi(a_i|s_i) + target_entropy)
    (the parameter libraries optimize is log alpha; d alpha / d log alpha = alpha, so the value
    equals the loss itself)."""
    alpha = mp.exp(to_mpf(log_alpha))
    h = to_mpf(target_entropy)
    xs = vec(logp)
    return -alpha * (mp.fsum(xs) / len(xs) + h)


# ---- distribution forms: Gaussian policy, quadratic critic ----------------------------------


def _quadratic_expectation(h: Mat, first: Vec, second: Vec) -> Any:
    """E[(x)^T H x] for independent coordinates with E[x_j] = first[j], E[x_j^2] = second[j]."""
    m = len(first)
    terms = [h[j][j] * second[j] for j in range(m)]
    terms += [h[j][k] * first[j] * first[k] for j in range(m) for k in range(m) if k != j]
    return mp.fsum(terms)


def _gaussian_entropy(log_std: Vec) -> Any:
    """H(N(mean, diag std^2)) = sum_j log std_j + m (1 + log 2 pi) / 2."""
    return mp.fsum(log_std) + len(log_std) * (1 + mp.log(2 * mp.pi)) / 2


def policy_objective(
    mean: Sequence[Sequence[Real]],
    log_std: Sequence[Sequence[Real]],
    b: Sequence[Real],
    c: Sequence[Sequence[Real]],
    H: Sequence[Sequence[Sequence[Real]]],
    alpha: Real,
) -> Vec:
    """sac.policy_objective: for each state s, J(s) = E_{eps ~ N(0, I)}[alpha log pi(a~|s) - Q(s, a~)],
    a~ = mean + std * eps (Gaussian policy); closed form:
    J = -alpha H(pi) - b + (mean - c)^T H (mean - c) + sum_j H_jj std_j^2
    (lecture "Soft Actor Critic (SAC)"; Haarnoja et al. 2018, eq. 7 and 12)."""
    lam = to_mpf(alpha)
    out = []
    for mu, ls, bs, cs, hs in zip(mat(mean), mat(log_std), vec(b), mat(c), _tensor(H), strict=True):
        first = [m - k for m, k in zip(mu, cs, strict=True)]
        second = [f * f + mp.exp(2 * s) for f, s in zip(first, ls, strict=True)]
        out.append(-lam * _gaussian_entropy(ls) - bs + _quadratic_expectation(hs, first, second))
    return out


def policy_gradient(
    mean: Sequence[Sequence[Real]],
    log_std: Sequence[Sequence[Real]],
    b: Sequence[Real],
    c: Sequence[Sequence[Real]],
    H: Sequence[Sequence[Sequence[Real]]],
    alpha: Real,
) -> list[Mat]:
    """sac.policy_gradient: the reparameterized gradient E_eps[grad (alpha log pi(a~|s) - Q(s, a~))]
    of the Gaussian policy objective, per state: row 0 the gradient in mean, row 1 in log_std.
    d/dmean = 2 H (mean - c);  d/dlog_std_j = -alpha + 2 std_j E[eps_j (H (a~ - c))_j]
    = -alpha + 2 H_jj std_j^2 (Haarnoja et al. 2018, eq. 13)."""
    lam = to_mpf(alpha)
    out = []
    for mu, ls, cs, hs in zip(mat(mean), mat(log_std), mat(c), _tensor(H), strict=True):
        m = len(mu)
        first = [x - k for x, k in zip(mu, cs, strict=True)]
        d_mean = [2 * mp.fdot(hs[j], first) for j in range(m)]
        d_log_std = [-lam + 2 * hs[j][j] * mp.exp(2 * ls[j]) for j in range(m)]
        out.append([d_mean, d_log_std])
    return out


# ---- distribution forms: tanh-squashed Gaussian policy ---------------------------------------


def squashed_policy_objective(
    mean: Sequence[Sequence[Real]],
    log_std: Sequence[Sequence[Real]],
    b: Sequence[Real],
    c: Sequence[Sequence[Real]],
    H: Sequence[Sequence[Sequence[Real]]],
    scale: Sequence[Real],
    bias: Sequence[Real],
    alpha: Real,
) -> Vec:
    """sac.squashed_policy_objective: for each state s,
    J(s) = E_eps[alpha log pi(a~|s) - Q(s, a~)], a~ = scale * tanh(mean + std * eps) + bias, with
    log pi(a~|s) = sum_j [log N(u_j) - log(scale_j (1 - tanh(u_j)^2))]:
    J = -alpha (H(N) + sum_j log scale_j + sum_j E[log(1 - tanh(u_j)^2)]) - b + E[(a~ - c)^T H (a~ - c)]
    (Haarnoja et al. 2018, appendix C; one-dimensional integrals by quadrature)."""
    lam = to_mpf(alpha)
    k, beta = vec(scale), vec(bias)
    out = []
    for mu, ls, bs, cs, hs in zip(mat(mean), mat(log_std), vec(b), mat(c), _tensor(H), strict=True):
        m = len(mu)
        log_det, first, second = [], [], []
        for j in range(m):
            e_t, e_t2, e_logsech2 = objective_moments(mu[j], ls[j])
            shift = beta[j] - cs[j]
            first.append(k[j] * e_t + shift)  # E[a_j - c_j]
            second.append(k[j] ** 2 * e_t2 + 2 * k[j] * shift * e_t + shift**2)  # E[(a_j - c_j)^2]
            log_det.append(mp.log(k[j]) + e_logsech2)
        entropy_term = -_gaussian_entropy(ls) - mp.fsum(log_det)  # E[log pi(a~|s)]
        out.append(lam * entropy_term - bs + _quadratic_expectation(hs, first, second))
    return out


def squashed_policy_gradient(
    mean: Sequence[Sequence[Real]],
    log_std: Sequence[Sequence[Real]],
    b: Sequence[Real],
    c: Sequence[Sequence[Real]],
    H: Sequence[Sequence[Sequence[Real]]],
    scale: Sequence[Real],
    bias: Sequence[Real],
    alpha: Real,
) -> list[Mat]:
    """sac.squashed_policy_gradient: the reparameterized gradient of sac.squashed_policy_objective,
    per state: row 0 in mean, row 1 in log_std. With t_j = tanh(u_j), g_j = (H (a~ - c))_j,
    d/dmean_j    = E[2 alpha t_j + 2 g_j scale_j (1 - t_j^2)],
    d/dlog_std_j = -alpha + std_j E[eps_j (2 alpha t_j + 2 g_j scale_j (1 - t_j^2))]
    (d/du log(1 - tanh(u)^2) = -2 tanh(u); Haarnoja et al. 2018, eq. 13)."""
    lam = to_mpf(alpha)
    k, beta = vec(scale), vec(bias)
    out = []
    for mu, ls, cs, hs in zip(mat(mean), mat(log_std), mat(c), _tensor(H), strict=True):
        m = len(mu)
        moments = [gradient_moments(mu[j], ls[j]) for j in range(m)]
        # E[a_j - c_j], and per dimension the expectations against (1 - t^2) and eps (1 - t^2)
        shift = [beta[j] - cs[j] for j in range(m)]
        first = [k[j] * moments[j][0] + shift[j] for j in range(m)]
        d_mean, d_log_std = [], []
        for j in range(m):
            e_t, e_sech2, e_t_sech2, e_eps_t, e_eps_sech2, e_eps_t_sech2 = moments[j]
            others = mp.fsum(hs[j][i] * first[i] for i in range(m) if i != j)
            # E[g_j (1 - t_j^2)] and E[eps_j g_j (1 - t_j^2)], g_j = H_jj (k t_j + shift_j) + others
            g_sech2 = hs[j][j] * (k[j] * e_t_sech2 + shift[j] * e_sech2) + others * e_sech2
            eps_g_sech2 = hs[j][j] * (k[j] * e_eps_t_sech2 + shift[j] * e_eps_sech2) + others * e_eps_sech2
            d_mean.append(2 * lam * e_t + 2 * k[j] * g_sech2)
            std = mp.exp(ls[j])
            d_log_std.append(-lam + std * (2 * lam * e_eps_t + 2 * k[j] * eps_g_sech2))
        out.append([d_mean, d_log_std])
    return out


# ---- the sample-batch form libraries compute --------------------------------------------------


def _batch_terms(
    eps: Sequence[Sequence[Real]],
    mean: Sequence[Sequence[Real]],
    log_std: Sequence[Sequence[Real]],
    c: Sequence[Sequence[Real]],
    H: Sequence[Sequence[Sequence[Real]]],
    scale: Sequence[Real],
    bias: Sequence[Real],
) -> list[tuple[Vec, Vec, Vec, Vec, Mat]]:
    """Per sample: u = mean + std * eps, a~ = scale * tanh(u) + bias, a~ - c, std, H."""
    k, beta = vec(scale), vec(bias)
    out = []
    for e, mu, ls, cs, hs in zip(mat(eps), mat(mean), mat(log_std), mat(c), _tensor(H), strict=True):
        std = [mp.exp(x) for x in ls]
        u = [m + sd * x for m, sd, x in zip(mu, std, e, strict=True)]
        centered = [kj * mp.tanh(uj) + bj - cj for kj, uj, bj, cj in zip(k, u, beta, cs, strict=True)]
        out.append((u, mu, ls, centered, hs))
    return out


def policy_loss_batch(
    eps: Sequence[Sequence[Real]],
    mean: Sequence[Sequence[Real]],
    log_std: Sequence[Sequence[Real]],
    b: Sequence[Real],
    c: Sequence[Sequence[Real]],
    H: Sequence[Sequence[Sequence[Real]]],
    scale: Sequence[Real],
    bias: Sequence[Real],
    alpha: Real,
) -> Any:
    """sac.policy_loss_batch: L = (1/N) sum_i [alpha log pi(a~_i|s_i) - Q(s_i, a~_i)],
    a~_i = scale * tanh(mean_i + std_i * eps_i) + bias, one noise sample eps_i per state: the
    reparameterized Monte Carlo policy loss as libraries compute it (Haarnoja et al. 2018, eq. 12)."""
    lam, k = to_mpf(alpha), vec(scale)
    losses = []
    for (u, mu, ls, centered, hs), bs in zip(
        _batch_terms(eps, mean, log_std, c, H, scale, bias), vec(b), strict=True
    ):
        logp = _squashed_log_density(u, mu, ls, k)
        q = bs - mp.fsum(
            d * hjk * e
            for d, row in zip(centered, hs, strict=True)
            for hjk, e in zip(row, centered, strict=True)
        )
        losses.append(lam * logp - q)
    return mp.fsum(losses) / len(losses)


def policy_loss_batch_gradient(
    eps: Sequence[Sequence[Real]],
    mean: Sequence[Sequence[Real]],
    log_std: Sequence[Sequence[Real]],
    b: Sequence[Real],
    c: Sequence[Sequence[Real]],
    H: Sequence[Sequence[Sequence[Real]]],
    scale: Sequence[Real],
    bias: Sequence[Real],
    alpha: Real,
) -> list[Mat]:
    """sac.policy_loss_batch_gradient: the pathwise gradient of sac.policy_loss_batch in each sample's
    mean and log_std (eps held fixed): with t = tanh(u), g = H (a~ - c), per sample i and dimension j,
    dL/dmean_ij = (2 alpha t_j + 2 g_j scale_j (1 - t_j^2)) / N,
    dL/dlog_std_ij = (-alpha + std_j eps_j (2 alpha t_j + 2 g_j scale_j (1 - t_j^2))) / N."""
    lam, k = to_mpf(alpha), vec(scale)
    terms = _batch_terms(eps, mean, log_std, c, H, scale, bias)
    n = len(terms)
    out = []
    for (u, _, ls, centered, hs), e in zip(terms, mat(eps), strict=True):
        d_mean, d_log_std = [], []
        for j, uj in enumerate(u):
            g = mp.fdot(hs[j], centered)
            t = mp.tanh(uj)
            pathwise = 2 * lam * t + 2 * g * k[j] * mp.exp(log_one_minus_tanh_squared(uj))  # d/du_j
            d_mean.append(pathwise / n)
            d_log_std.append((-lam + mp.exp(ls[j]) * e[j] * pathwise) / n)
        out.append([d_mean, d_log_std])
    return out


def _tensor(h: Sequence[Sequence[Sequence[Real]]]) -> list[Mat]:
    return [mat(block) for block in h]
