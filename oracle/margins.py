"""Discrete answers on decision boundaries: every answer a float64 evaluation could reach.

Some formulas decide: the line search accepts the first candidate that improves the surrogate
and keeps the mean KL within delta; a PPO gradient entry is r A or 0 by which branch of the clip
is selected. When the exact quantity a decision tests sits within a float64 error of its
threshold (a zero gain with one action, a ratio on a kink), a correct float64 implementation may
decide either way. For such a formula, `alternatives(f, args)` gives the exact values of the
other answers float64 could reach: each decision whose exact margin (the tested quantity minus
its threshold) is smaller than a float64 error bound of the tested quantity is taken both ways.
The suite accepts the expected value or any alternative (conformance_tests/compare.py).

The float64 error bounds are sizes, not certified bounds: FLOAT64_SLACK units of eps64 times
the scale of the tested quantity (the same scales as the registry's tolerances for it). They
only widen the set of accepted answers near a threshold; away from every threshold the set is
the exact answer alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from mpmath import mp

from rlspec.oracle.expected import to_float64
from rlspec.reference import ppo, trpo
from rlspec.reference.mdp import advantage, policy, visitation
from rlspec.reference.numbers import to_mpf

EPS64 = 2.0**-52
FLOAT64_SLACK = 64.0  # a decision is ambiguous when |margin| <= FLOAT64_SLACK eps64 scale
MAX_FLIPS = 8  # at most 2^MAX_FLIPS combinations of ambiguous per-entry decisions


def _floats(x: Any) -> np.ndarray:
    return np.asarray(np.asarray(x, dtype=object).astype(np.float64), dtype=np.float64)


def _amax(x: Any) -> float:
    m = float(np.max(np.abs(_floats(x)))) if np.size(_floats(x)) else 0.0
    return m if m > 0 else 1.0


# ---- trpo.line_search and trpo.line_search_backtracks -----------------------------------------


def _candidate(theta: Any, full: Any, scale: Any) -> list[list[Any]]:
    """theta + scale * full, entry by entry."""
    return [[t + scale * x for t, x in zip(rt, rx, strict=True)] for rt, rx in zip(theta, full, strict=True)]


def line_search_answers(
    P: Any,
    R: Any,
    gamma: Any,
    mu: Any,
    theta: Any,
    delta: Any,
    beta: Any,
    max_backtracks: Any,
    unit: float = EPS64,
) -> list[int]:
    """The backtrack counts j (or -1) a float64 line search could return, exact answer first.
    Candidate j is accepted when gain_j = V_t(theta_j) - V^{pi_t}(mu) > 0 and
    mean_kl_j <= delta. The margins are gain_j and delta - mean_kl_j; their float64 scales are
    |R| kappa^3 (1 + |theta_j - theta|_1) (the surrogate's) and kappa (1 + |theta| + |theta_j|)
    plus kl_j (the mean KL's, and a relative error of the step). A zero exact step (no direction
    improves the linear model, e.g. one action) is never accepted exactly, but float64 sees a
    rounding-level gain of either sign: every count is then reachable."""
    exact = trpo.line_search_backtracks(P, R, gamma, mu, theta, delta, beta, max_backtracks)
    last = int(max_backtracks)
    full = trpo.step(P, R, gamma, mu, theta, delta)
    if all(x == 0 for row in full for x in row):
        return [exact, *[j for j in range(last + 1) if j != exact]]
    kappa = 1.0 / (1.0 - float(gamma))
    reward_scale = _amax(R) * kappa**3
    answers: list[int] = []
    b = to_mpf(beta)
    for j in range(last + 1):
        candidate = _candidate(theta, full, b**j)
        moved = float(sum(abs(b**j * x) for row in full for x in row))
        gain = trpo.gain(P, R, gamma, mu, theta, candidate)
        kl = trpo.mean_kl(P, gamma, mu, theta, candidate)
        gain_bound = FLOAT64_SLACK * unit * reward_scale * (1.0 + moved)
        kl_bound = FLOAT64_SLACK * unit * (kappa * (1.0 + _amax(theta) + _amax(candidate)) + 2.0 * float(kl))
        yes = gain > gain_bound and kl < to_mpf(delta) - kl_bound
        no = gain < -gain_bound or kl > to_mpf(delta) + kl_bound
        if not no:
            answers.append(j)
        if yes:
            break
    else:
        answers.append(-1)
    return [exact, *[a for a in answers if a != exact]]


def line_search_backtracks(*args: Any, unit: float = EPS64) -> list[Any]:
    """Alternatives of trpo.line_search_backtracks: the other reachable counts."""
    P, R, gamma, mu, theta, delta, beta, max_backtracks = args
    answers = line_search_answers(P, R, gamma, mu, theta, delta, beta, max_backtracks, unit)
    return [mp.mpf(j) for j in answers[1:]]


def line_search(*args: Any, unit: float = EPS64) -> list[Any]:
    """Alternatives of trpo.line_search: theta + beta^j step for the other reachable counts j
    (theta for -1)."""
    P, R, gamma, mu, theta, delta, beta, max_backtracks = args
    answers = line_search_answers(P, R, gamma, mu, theta, delta, beta, max_backtracks, unit)[1:]
    full = trpo.step(P, R, gamma, mu, theta, delta)
    b = to_mpf(beta)
    return [_candidate(theta, full, b**j if j >= 0 else mp.zero) for j in answers]


# ---- PPO: the kinks of the clip ----------------------------------------------------------------


def _on_kink(r: Any, epsilon: Any, slack: float) -> bool:
    """r within slack * r of 1 - epsilon or 1 + epsilon (either branch is reachable)."""
    eps = to_mpf(epsilon)
    return bool(abs(r - (1 + eps)) <= slack * r or abs(r - (1 - eps)) <= slack * r)


def _flips(keys: Sequence[Any]) -> list[frozenset[Any]]:
    """Every nonempty subset of the ambiguous decisions (the first MAX_FLIPS of them)."""
    keys = list(keys)[:MAX_FLIPS]
    return [frozenset(c) for n in range(1, len(keys) + 1) for c in itertools.combinations(keys, n)]


def clip_gradient_batch(
    logp_new: Any, logp_old: Any, adv: Any, epsilon: Any, unit: float = EPS64
) -> list[Any]:
    """Alternatives of ppo.clip_gradient_batch: entries whose ratio r_i = exp(logp_new_i -
    logp_old_i) lies on a kink 1 +- epsilon within float64 error (scale r_i (1 + |logp_new_i| +
    |logp_old_i|): the exponent's rounding) take the other branch (0 for r_i A_i / N or back)."""
    r = ppo.batch_ratio(logp_new, logp_old)
    a = [to_mpf(x) for x in adv]
    n = len(r)
    eps = to_mpf(epsilon)
    sizes = 1.0 + np.abs(_floats(logp_new)) + np.abs(_floats(logp_old))
    ambiguous = [i for i in range(n) if _on_kink(r[i], epsilon, FLOAT64_SLACK * unit * float(sizes[i]))]
    out = []
    for flipped in _flips(ambiguous):
        selected = [ppo.unclipped_selected(r[i], a[i], eps) != (i in flipped) for i in range(n)]
        out.append([r[i] * a[i] / n if selected[i] else mp.zero for i in range(n)])
    return out


def clip_gradient(*args: Any, unit: float = EPS64) -> list[Any]:
    """Alternatives of ppo.clip_gradient (tabular): a pair (s, a) whose ratio pi_new / pi_t lies on
    a kink within float64 error (scale r (1 + |theta| + |theta_new|): two log-softmaxes) takes the
    other branch: g(s, a) = A(s, a) or 0, and the row d(s) pi_new(b|s) (g(s, b) - pi_new(.|s) . g)
    is recomputed."""
    P, R, gamma, mu, theta, theta_new, epsilon = args
    r = ppo.ratio(theta, theta_new)
    adv = advantage(P, R, gamma, theta)
    d = visitation(P, gamma, mu, theta)
    pi_new = policy(theta_new)
    slack = FLOAT64_SLACK * unit * (1.0 + _amax(theta) + _amax(theta_new))
    eps = to_mpf(epsilon)
    pairs = [(s, a) for s in range(len(r)) for a in range(len(r[s]))]
    ambiguous = [(s, a) for s, a in pairs if d[s] != 0 and _on_kink(r[s][a], epsilon, slack)]
    out = []
    for flipped in _flips(ambiguous):
        rows = []
        for s in range(len(r)):
            g = []
            for a, x in enumerate(adv[s]):
                selected = ppo.unclipped_selected(r[s][a], x, eps)
                g.append(x if selected != ((s, a) in flipped) else mp.zero)
            mean = mp.fdot(pi_new[s], g)
            rows.append([d[s] * pi_new[s][b] * (g[b] - mean) for b in range(len(g))])
        out.append(rows)
    return out


ALTERNATIVES: dict[str, Callable[..., list[Any]]] = {
    "trpo.line_search": line_search,
    "trpo.line_search_backtracks": line_search_backtracks,
    "ppo.clip_gradient_batch": clip_gradient_batch,
    "ppo.clip_gradient": clip_gradient,
}


def reachable(formula_id: str, args: Sequence[Any], dps: int, unit: float = EPS64) -> tuple[np.ndarray, ...]:
    """`alternatives` rounded to float64, as the suite compares them (oracle/expected.py)."""
    others = alternatives(formula_id, args, dps, unit)
    with mp.workdps(dps):
        return tuple(to_float64(v) for v in others)


def alternatives(formula_id: str, args: Sequence[Any], dps: int, unit: float = EPS64) -> list[Any]:
    """The other answers a float64 evaluation could reach (exact values, nested like the
    formula's value), [] for a formula without decisions or away from every threshold. `unit`:
    the format's epsilon (2^-23 for the suite's float32 profile)."""
    fn = ALTERNATIVES.get(formula_id)
    if fn is None:
        return []
    with mp.workdps(dps):
        return fn(*args, unit=unit)
