"""Building blocks that RL libraries ship, beyond the lecture: advantage and return estimators
on time-major rollouts, twin-critic and clipped value losses, the sample KL estimators, the
KL-penalty PPO objective and the squashed-Gaussian log-density computed from the action.

Rollout layout (as torchrl, tianshou and CleanRL store it): arrays [T][N], time first, N
parallel environments; at step t of environment i the agent got `rewards[t][i]`, `values[t][i]`
= V(s_t), `next_values[t][i]` = V(s_{t+1}) for the observation reached by that step (at a
time-out, the final observation before the reset), `terminated[t][i]` = 1 when s_{t+1} is a
terminal state of the MDP and `truncated[t][i]` = 1 when the episode was cut by a time limit
there. Termination stops bootstrapping (a terminal state has value 0); truncation does not
(the time limit is not part of the MDP, Pardo et al. 2018). Either one ends the episode, so a
multi-step estimate never looks past it; the end of the rollout (t = T - 1) cuts it too.

The estimators of the returns and the critic losses are rational functions of the inputs:
each is written once over a number constructor `num` and evaluated with `to_mpf` (the
reference, at the caller's precision) or with `Fraction` (the exact value, which the oracle's
certificates compare with).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from mpmath import mp

from rlspec.reference.numbers import Mat, Real, Vec, log_softmax, to_mpf, vec
from rlspec.reference.sac import gaussian_log_density

Num = Callable[[Real], Any]
RealMat = Sequence[Sequence[Real]]


def _columns(*arrays: RealMat) -> list[Any]:
    """[T][N] arrays -> per environment i, the list of its T-long rows of every array."""
    envs = len(arrays[0][0])
    return [[[row[i] for row in array] for array in arrays] for i in range(envs)]


def _per_environment(column: Callable[..., list[Any]], arrays: tuple[RealMat, ...], *scalars: Any) -> Mat:
    """column(*scalars, *that environment's rows of `arrays`) for each environment, as [T][N]."""
    columns = [column(*scalars, *rows) for rows in _columns(*arrays)]
    return [list(row) for row in zip(*columns, strict=True)]


def _continues(term: list[Real], trunc: list[Real]) -> list[int]:
    """1 where the episode goes on after step t inside the rollout, else 0 (always 0 at T - 1)."""
    last = len(term) - 1
    return [0 if t == last or max(term[t], trunc[t]) else 1 for t in range(len(term))]


def _gae_column(
    num: Num,
    gamma: Any,
    lmbda: Any,
    r: list[Real],
    v: list[Real],
    nv: list[Real],
    term: list[Real],
    trunc: list[Real],
) -> list[Any]:
    """A_t = delta_t + gamma lambda (1 - done_t) A_{t+1}, A_{T-1} = delta_{T-1}, backwards."""
    out: list[Any] = []
    following: Any = num(0)
    keep = _continues(term, trunc)
    for t in reversed(range(len(r))):
        delta = num(r[t]) + gamma * (1 - num(term[t])) * num(nv[t]) - num(v[t])
        following = delta + gamma * lmbda * keep[t] * following
        out.append(following)
    return out[::-1]


def _gae(
    num: Num,
    rewards: RealMat,
    values: RealMat,
    next_values: RealMat,
    terminated: RealMat,
    truncated: RealMat,
    gamma: Real,
    lmbda: Real,
) -> Mat:
    arrays = (rewards, values, next_values, terminated, truncated)
    return _per_environment(_gae_column, arrays, num, num(gamma), num(lmbda))


def gae_advantage(
    rewards: RealMat,
    values: RealMat,
    next_values: RealMat,
    terminated: RealMat,
    truncated: RealMat,
    gamma: Real,
    lmbda: Real,
) -> Mat:
    """gae.advantage: generalized advantage estimation (Schulman et al. 2016, eq 16, with the
    episode and rollout boundaries of a time-major batch):
    delta_t = r_t + gamma (1 - terminated_t) V(s_{t+1}) - V(s_t),
    A_t = delta_t + gamma lambda (1 - done_t) A_{t+1}, done_t = terminated_t or truncated_t,
    and A_{T-1} = delta_{T-1}."""
    return _gae(to_mpf, rewards, values, next_values, terminated, truncated, gamma, lmbda)


def _lambda_column(
    num: Num, gamma: Any, lmbda: Any, r: list[Real], nv: list[Real], term: list[Real], trunc: list[Real]
) -> list[Any]:
    """G_t = r_t + gamma (1 - terminated_t) (V_{t+1} + lambda (1 - done_t) (G_{t+1} - V_{t+1}))."""
    out: list[Any] = []
    following: Any = num(0)
    keep = _continues(term, trunc)
    for t in reversed(range(len(r))):
        boot = num(nv[t])
        following = num(r[t]) + gamma * (1 - num(term[t])) * (boot + lmbda * keep[t] * (following - boot))
        out.append(following)
    return out[::-1]


def _lambda_return(
    num: Num,
    rewards: RealMat,
    next_values: RealMat,
    terminated: RealMat,
    truncated: RealMat,
    gamma: Real,
    lmbda: Real,
) -> Mat:
    arrays = (rewards, next_values, terminated, truncated)
    return _per_environment(_lambda_column, arrays, num, num(gamma), num(lmbda))


def lambda_return(
    rewards: RealMat, next_values: RealMat, terminated: RealMat, truncated: RealMat, gamma: Real, lmbda: Real
) -> Mat:
    """gae.lambda_return: the TD(lambda) return in its recursive form (Sutton and Barto 2018,
    eq 12.3 and section 12.2), G_t = r_t + gamma [(1 - lambda) V(s_{t+1}) + lambda G_{t+1}],
    with G_{t+1} replaced by V(s_{t+1}) where the episode or the rollout ends at t + 1 and the
    bootstrap value dropped where s_{t+1} is terminal."""
    return _lambda_return(to_mpf, rewards, next_values, terminated, truncated, gamma, lmbda)


def _nstep_column(
    num: Num, gamma: Any, n: int, r: list[Real], nv: list[Real], term: list[Real], trunc: list[Real]
) -> list[Any]:
    """Per start t: sum_{k<m} gamma^k r_{t+k} + gamma^m (1 - terminated_j) V(s_{j+1}), j = t+m-1
    the first step of the window [t, t+n) that ends the episode, or its last in the rollout."""
    out = []
    keep = _continues(term, trunc)
    for t in range(len(r)):
        total, discount, j = num(0), num(1), t
        while True:
            total += discount * num(r[j])
            discount *= gamma
            if j - t + 1 == n or not keep[j]:
                break
            j += 1
        out.append(total + discount * (1 - num(term[j])) * num(nv[j]))
    return out


def _nstep(
    num: Num,
    rewards: RealMat,
    next_values: RealMat,
    terminated: RealMat,
    truncated: RealMat,
    gamma: Real,
    n: Real,
) -> Mat:
    if int(n) < 1:
        raise ValueError("n must be >= 1")
    arrays = (rewards, next_values, terminated, truncated)
    return _per_environment(_nstep_column, arrays, num, num(gamma), int(n))


def nstep_return(
    rewards: RealMat, next_values: RealMat, terminated: RealMat, truncated: RealMat, gamma: Real, n: Real
) -> Mat:
    """nstep.return: the n-step return (Sutton and Barto 2018, eq 7.1; Hessel et al. 2018),
    G_t^(n) = sum_{k<m} gamma^k r_{t+k} + gamma^m (1 - terminated_{t+m-1}) V(s_{t+m}), the window
    m <= n shortened at the first terminated or truncated step and at the rollout's end."""
    return _nstep(to_mpf, rewards, next_values, terminated, truncated, gamma, n)


# ---- critics ------------------------------------------------------------------------------


def _twin_target(
    num: Num,
    r: Sequence[Real],
    terminated: Sequence[Real],
    truncated: Sequence[Real],
    gamma: Real,
    q1_next: Sequence[Real],
    q2_next: Sequence[Real],
) -> Vec:
    del truncated  # a time-out still bootstraps
    g = num(gamma)
    rows = zip(r, terminated, q1_next, q2_next, strict=True)
    return [num(x) + g * (1 - num(d)) * min(num(a), num(b)) for x, d, a, b in rows]


def twin_target(
    r: Sequence[Real],
    terminated: Sequence[Real],
    truncated: Sequence[Real],
    gamma: Real,
    q1_next: Sequence[Real],
    q2_next: Sequence[Real],
) -> Vec:
    """twin.target: the clipped double-Q target of TD3 (Fujimoto et al. 2018, eq 10),
    y_i = r_i + gamma (1 - terminated_i) min(Q1'(s'_i, a'_i), Q2'(s'_i, a'_i))."""
    return _twin_target(to_mpf, r, terminated, truncated, gamma, q1_next, q2_next)


def _mean_square(num: Num, xs: Sequence[Real], ys: Sequence[Real]) -> Any:
    diffs = [num(x) - num(y) for x, y in zip(xs, ys, strict=True)]
    return sum((d * d for d in diffs), num(0)) / len(diffs)


def _twin_loss(num: Num, q1: Sequence[Real], q2: Sequence[Real], y: Sequence[Real]) -> Any:
    return _mean_square(num, q1, y) + _mean_square(num, q2, y)


def twin_loss(q1: Sequence[Real], q2: Sequence[Real], y: Sequence[Real]) -> Any:
    """twin.loss: both critics regress on the shared target (Fujimoto et al. 2018, algorithm 1;
    Haarnoja et al. 2018b, eq 5 for each critic): (1/N) sum_i (Q1_i - y_i)^2 + (1/N) sum_i (Q2_i - y_i)^2."""
    return _twin_loss(to_mpf, q1, q2, y)


def _value_clipped_loss(
    num: Num, values: Sequence[Real], old_values: Sequence[Real], returns: Sequence[Real], epsilon: Real
) -> Any:
    eps = num(epsilon)
    terms = []
    for v, old, ret in zip(values, old_values, returns, strict=True):
        v, old, ret = num(v), num(old), num(ret)
        clipped = old + min(max(v - old, -eps), eps)
        terms.append(max((v - ret) ** 2, (clipped - ret) ** 2))
    return sum(terms, num(0)) / len(terms)


def value_clipped_loss(
    values: Sequence[Real], old_values: Sequence[Real], returns: Sequence[Real], epsilon: Real
) -> Any:
    """value.clipped_loss: the PPO value loss with clipping (the `baselines` PPO2 implementation,
    Engstrom et al. 2020): (1/N) sum_i max((V_i - R_i)^2, (V_old_i + clip(V_i - V_old_i, -eps, eps)
    - R_i)^2)."""
    return _value_clipped_loss(to_mpf, values, old_values, returns, epsilon)


# ---- the exact values of the rational formulas (for the certificates) -------------------------

EXACT: dict[str, Callable[..., Any]] = {
    "gae_advantage": lambda *args: _gae(Fraction, *args),
    "lambda_return": lambda *args: _lambda_return(Fraction, *args),
    "nstep_return": lambda *args: _nstep(Fraction, *args),
    "twin_target": lambda *args: _twin_target(Fraction, *args),
    "twin_loss": lambda *args: _twin_loss(Fraction, *args),
    "value_clipped_loss": lambda *args: _value_clipped_loss(Fraction, *args),
}


# ---- KL estimators on samples of the old policy (Schulman 2020) -------------------------------


def _log_ratios(logp_new: Sequence[Real], logp_old: Sequence[Real]) -> Vec:
    """log r_i = log pi_new(a_i|s_i) - log pi_old(a_i|s_i), a_i ~ pi_old."""
    return [n - o for n, o in zip(vec(logp_new), vec(logp_old), strict=True)]


def kl_k1(logp_new: Sequence[Real], logp_old: Sequence[Real]) -> Any:
    """kl.k1: (1/N) sum_i -log r_i, unbiased for KL(pi_old || pi_new)."""
    logs = _log_ratios(logp_new, logp_old)
    return -mp.fsum(logs) / len(logs)


def kl_k2(logp_new: Sequence[Real], logp_old: Sequence[Real]) -> Any:
    """kl.k2: (1/N) sum_i (log r_i)^2 / 2, biased, low variance; KL to second order."""
    logs = _log_ratios(logp_new, logp_old)
    return mp.fsum(x * x for x in logs) / (2 * len(logs))


def kl_k3(logp_new: Sequence[Real], logp_old: Sequence[Real]) -> Any:
    """kl.k3: (1/N) sum_i (r_i - 1) - log r_i, unbiased for KL(pi_old || pi_new) and >= 0."""
    logs = _log_ratios(logp_new, logp_old)
    return mp.fsum(mp.expm1(x) - x for x in logs) / len(logs)


# ---- policies -------------------------------------------------------------------------------


def kl_penalty_objective(
    logits_old: RealMat, logits_new: RealMat, actions: Sequence[Real], advantages: Sequence[Real], beta: Real
) -> Any:
    """kl.penalty_objective: the PPO paper's KL-penalized surrogate (Schulman et al. 2017, eq 8)
    for categorical policies, L = (1/N) sum_i [r_i A_i - beta KL(pi_old(.|s_i) || pi_new(.|s_i))],
    r_i = pi_new(a_i|s_i) / pi_old(a_i|s_i); the KL is exact per state (all actions), not sampled."""
    b = to_mpf(beta)
    terms = []
    for old, new, a, adv in zip(logits_old, logits_new, actions, advantages, strict=True):
        lp_old, lp_new = log_softmax(vec(old)), log_softmax(vec(new))
        kl = mp.fsum(mp.exp(o) * (o - n) for o, n in zip(lp_old, lp_new, strict=True))
        k = int(a)
        terms.append(mp.exp(lp_new[k] - lp_old[k]) * to_mpf(adv) - b * kl)
    return mp.fsum(terms) / len(terms)


def _log_one_minus_square(a: Any) -> Any:
    """log(1 - a^2) = log1p(-a) + log1p(a), without the cancellation of 1 - a^2 near |a| = 1."""
    return mp.log1p(-a) + mp.log1p(a)


def squashed_log_prob(action: RealMat, mean: RealMat, log_std: RealMat) -> Vec:
    """squashed.log_prob: the log-density of a = tanh(u), u ~ N(mean, diag std^2), at a given
    action (Haarnoja et al. 2018, appendix C, inverted): u = atanh(a),
    log pi(a) = sum_j [log N(u_j; mean_j, std_j^2) - log(1 - a_j^2)], |a_j| < 1."""
    out = []
    for a_row, m_row, s_row in zip(action, mean, log_std, strict=True):
        total = mp.zero
        for a, m, s in zip(vec(a_row), vec(m_row), vec(s_row), strict=True):
            total += gaussian_log_density(mp.atanh(a), m, s) - _log_one_minus_square(a)
        out.append(total)
    return out
