"""Certified error bounds for the MDP core (oracle.evaluate calls these inside mp.workdps(2 * work)).

Policy evaluation is a gamma-contraction: for V~, ||V - V~||_inf <= ||T V~ - V~||_inf / (1 - gamma)
with T V = r_pi + gamma P_pi V (and the same for Q, and for the optimality operators with a max).
The visitation map d -> (1 - gamma) mu + gamma P_pi^T d is a gamma-contraction in l1, so
||d - d~||_inf <= ||d - d~||_1 <= ||res||_1 / (1 - gamma).

Rigour. Residuals are evaluated in exact integer arithmetic on fixed-point images of the data
(floor(x 2^F), F = working bits + 64): P, gamma, mu and the rounded policy are off by less than
2^-F each (the softmax by 2 * 2^-F), rewards and values by less than 2^(e-F) (e = the scale
exponent), and every shift floors by less than one unit. `_rounding` adds a bound on the total
effect of all of these, generously, to the computed residual; the final division by 1 - gamma
is done in exact rationals and rounded up. Derived values (A, the objective, the gradient) are
recomputed at the certificate's precision, their parts certified as above, and the error
propagated (triangle inequality).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
from mpmath import mp

from rlspec.reference import fixed_point, mdp
from rlspec.reference.numbers import exact_fraction, exponent_bound, fixed_array

GUARD = 64


# ---- helpers ------------------------------------------------------------------------------------


def up(x: Fraction) -> Any:
    """The Fraction x as an mpf rounded up (so a bound stays a bound), with 2^-10 relative slack
    and an absolute floor of 2^-prec: a bound tight to the last bit is useless to a reader who
    checks it against a value recomputed at higher precision (whose own error is ~2^-prec)."""
    x = x * (1 + Fraction(1, 1024)) + Fraction(1, 1 << mp.prec)
    return mp.mpf(mpmath.libmp.from_rational(x.numerator, x.denominator, mp.prec, "u"))


def _flat(value: Any) -> list[Any]:
    return [x for row in value for x in _flat(row)] if isinstance(value, (list, tuple)) else [value]


class _Data:
    """Fixed-point images of an instance at F >= prec + 64 bits (shared with reference.mdp's
    cache): P, gamma, pi floored at F bits, R and values at G bits (|R| < 2^e)."""

    def __init__(self, P: Any, R: Any, gamma: Any) -> None:
        self.model = fixed_point.fixed_model(P, R, gamma, need=mp.prec + GUARD)
        self.n, self.m = self.model.n, self.model.m
        self.F = self.model.bits
        self.G = self.model.scale
        self.e = self.model.reward_exponent
        self.one_minus_gamma = 1 - exact_fraction(gamma)

    def policy(self, theta: Any) -> Any:
        return fixed_point.policy_weights(self.model, theta)

    def values(self, xs: Any) -> Any:
        return fixed_array(xs, self.G)

    def unit(self) -> Fraction:
        """One unit of a value: 2^-G."""
        return Fraction(1, 1 << self.G) if self.G >= 0 else Fraction(1 << -self.G)

    def prob_unit(self) -> Fraction:
        return Fraction(1, 1 << self.F)

    def rounding(self, value_bound: Fraction, policy_terms: int) -> Fraction:
        """A bound on |exact residual - computed residual| for a residual of the form
        sum_a pi(a|s) [r(s,a) + gamma sum_t P(t|s,a) X(t)] - X: the data (P, gamma, pi) are off by
        < 2^-F (pi by < 2 * 2^-F), R and X by < 2^-G, each shift floors by < 2^-G; in all
        (S + 2A + 1) 2^-F (|R| + |X|) + (S + 6) 2^-G; doubled for safety."""
        scale = Fraction(2) ** self.e + value_bound
        terms = self.n + 2 * policy_terms + 2
        return 2 * (terms * self.prob_unit() * scale + (self.n + 8) * self.unit())

    def bound(self, residual: Fraction, rounding: Fraction) -> Any:
        return up((residual + rounding) / self.one_minus_gamma)


def _max_abs_units(xs: Any) -> int:
    return max((abs(int(x)) for x in np.ravel(xs)), default=0)


def _magnitude(xs: Any) -> Fraction:
    """max |x| over an mpf (nested) value, rounded up to a power of two."""
    return Fraction(2) ** exponent_bound(_flat(xs))


# ---- residuals ----------------------------------------------------------------------------------


def _v_residual(d: _Data, pi: Any, V: Any) -> Any:
    """T V - V with T V(s) = sum_a pi(a|s) [r(s,a) + gamma sum_t P(t|s,a) V(t)], in units 2^-G."""
    return ((pi * fixed_point.q_fixed(d.model, V)).sum(axis=1) >> d.F) - V


def _q_residual(d: _Data, pi: Any, Q: Any) -> Any:
    """T Q - Q with T Q(s,a) = r(s,a) + gamma sum_t P(t|s,a) sum_b pi(b|t) Q(t,b)."""
    return fixed_point.q_fixed(d.model, (pi * Q).sum(axis=1) >> d.F) - Q


def _star_residuals(d: _Data, V: Any) -> Any:
    """max_a [r(s,a) + gamma sum_t P(t|s,a) V(t)] - V(s)."""
    return np.array([max(row) for row in fixed_point.q_fixed(d.model, V)], dtype=object) - V


# ---- certificates -------------------------------------------------------------------------------


def v(P: Any, R: Any, gamma: Any, theta: Any, *, value: Any) -> Any:
    """mdp.v: ||V - V~|| <= (||T V~ - V~|| + rounding) / (1 - gamma)."""
    d = _Data(P, R, gamma)
    res = _v_residual(d, d.policy(theta), d.values(value))
    return d.bound(_max_abs_units(res) * d.unit(), d.rounding(_magnitude(value), d.m))


def q(P: Any, R: Any, gamma: Any, theta: Any, *, value: Any) -> Any:
    """mdp.q: Q is the fixed point of the gamma-contraction T Q = r + gamma P pi Q."""
    d = _Data(P, R, gamma)
    res = _q_residual(d, d.policy(theta), d.values(value))
    return d.bound(_max_abs_units(res) * d.unit(), d.rounding(_magnitude(value), d.m))


def v_star(P: Any, R: Any, gamma: Any, *, value: Any) -> Any:
    """mdp.v_star: the optimality operator max_a [r + gamma P V] is a gamma-contraction."""
    d = _Data(P, R, gamma)
    res = _star_residuals(d, d.values(value))
    return d.bound(_max_abs_units(res) * d.unit(), d.rounding(_magnitude(value), 1))


def q_star(P: Any, R: Any, gamma: Any, *, value: Any) -> Any:
    """mdp.q_star: T Q(s,a) = r(s,a) + gamma sum_t P(t|s,a) max_b Q(t,b) is a gamma-contraction."""
    d = _Data(P, R, gamma)
    Q = d.values(value)
    res = fixed_point.q_fixed(d.model, np.array([max(row) for row in Q], dtype=object)) - Q
    return d.bound(_max_abs_units(res) * d.unit(), d.rounding(_magnitude(value), 1))


def visitation(P: Any, gamma: Any, mu: Any, theta: Any, *, value: Any) -> Any:
    """mdp.visitation, a bound per entry: with e = d - d~ and res = (1 - gamma) mu + gamma P_pi^T
    d~ - d~, ||e||_1 <= E = (||res||_1 + rounding) / (1 - gamma) (an l1 contraction), and
    e = res + gamma P_pi^T e gives |e(s)| <= |res(s)| + rounding + gamma max_{t,a} P(s|t,a) E:
    a state no transition enters keeps the accuracy of its own residual."""
    bounds, _ = _visitation_bounds(P, gamma, mu, theta, value)
    return bounds


def visitation_l1(P: Any, gamma: Any, mu: Any, theta: Any, *, value: Any) -> Any:
    """The l1 bound E of the visitation (what derived certificates propagate)."""
    return _visitation_bounds(P, gamma, mu, theta, value)[1]


def _visitation_bounds(P: Any, gamma: Any, mu: Any, theta: Any, value: Any) -> tuple[list[Any], Any]:
    d = _Data(P, None, gamma)
    F, g = d.F, d.model.gamma
    pi = d.policy(theta)
    dist = fixed_array(value, F)
    mass = (pi * dist[:, None]) >> F
    inflow = (mass.reshape(-1) @ d.model.flat) >> F
    start = (((1 << F) - g) * fixed_array(mu, F)) >> F
    res = start + ((g * inflow) >> F) - dist
    l1 = sum(abs(int(x)) for x in res)
    total = Fraction(2) ** exponent_bound(_flat(value)) * d.n
    rounding = 8 * (d.n * d.m + d.n + 4) * d.prob_unit() * (1 + total)
    whole = (l1 * d.prob_unit() + rounding) / d.one_minus_gamma
    entering = np.max(d.model.flat, axis=0)  # floor(max_{t,a} P(s|t,a) 2^F) per state s
    discount = exact_fraction(gamma)
    per_state = [
        up(abs(int(r)) * d.prob_unit() + rounding + discount * (int(top) + 1) * d.prob_unit() * whole)
        for r, top in zip(res, entering, strict=True)
    ]
    return per_state, up(whole)


def _at_working_precision(fn: Any, *args: Any) -> Any:
    """fn(*args) at the precision of the value being certified: evaluate certifies inside
    workdps(2 * work), and reference.mdp caches its fixed-point solves at the working precision,
    so V^, Q^, d^ used to certify derived values cost no new solve."""
    with mp.workprec(max(mp.prec // 2, 53)):
        return fn(*args)


_MEMO: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...]]] = {}


def _memo(name: str, certify: Any, args: tuple[Any, ...], values: Any) -> Any:
    """certify(*args, value=values), remembered for the same inputs (by identity, kept alive in
    the entry), precision and values (A, the objective and the gradient share V^, Q^, d^)."""
    key = (name, *(id(a) for a in args), mp.prec, repr(values))
    if key not in _MEMO:
        if len(_MEMO) >= 8:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = (certify(*args, value=values), args)
    return _MEMO[key][0]


def _certified_v(P: Any, R: Any, gamma: Any, theta: Any) -> tuple[Any, Any]:
    """V^ and its certified bound."""
    values = _at_working_precision(mdp.v, P, R, gamma, theta)
    return values, _memo("v", v, (P, R, gamma, theta), values)


def _certified_q(P: Any, R: Any, gamma: Any, theta: Any) -> tuple[Any, Any]:
    values = _at_working_precision(mdp.q, P, R, gamma, theta)
    return values, _memo("q", q, (P, R, gamma, theta), values)


def _certified_d(P: Any, gamma: Any, mu: Any, theta: Any) -> tuple[Any, Any]:
    values = _at_working_precision(mdp.visitation, P, gamma, mu, theta)
    return values, _memo("d", visitation_l1, (P, gamma, mu, theta), values)


def _ulp() -> Any:
    """2^-prec: the relative error of one correctly rounded mpf operation."""
    return mp.ldexp(mp.one, -mp.prec)


def advantage(P: Any, R: Any, gamma: Any, theta: Any, *, value: Any) -> Any:
    """mdp.advantage: |A - A~| <= |Q^ - V^ - A~| + e_Q + e_V, with Q^, V^ certified; the two
    mpf subtractions err by at most 2 ulp (|Q^| + |V^| + |A~|)."""
    vh, ev = _certified_v(P, R, gamma, theta)
    qh, eq = _certified_q(P, R, gamma, theta)
    worst = mp.zero
    for s, (row, arow) in enumerate(zip(qh, value, strict=True)):
        for x, got in zip(row, arow, strict=True):
            gap = abs(x - vh[s] - got) + 4 * _ulp() * (abs(x) + abs(vh[s]) + abs(got))
            worst = max(worst, gap)
    return up(exact_fraction(worst) + exact_fraction(ev) + exact_fraction(eq))


def objective(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, *, value: Any) -> Any:
    """pg.objective: |J - J~| <= |mu . V^ - J~| + ||mu||_1 e_V (the dot product exactly)."""
    vh, ev = _certified_v(P, R, gamma, theta)
    weights = [exact_fraction(x) for x in mu]
    j = sum((w * exact_fraction(x) for w, x in zip(weights, vh, strict=True)), Fraction(0))
    return up(abs(j - exact_fraction(value)) + sum(abs(w) for w in weights) * exact_fraction(ev))


def gradient(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, *, value: Any) -> Any:
    """pg.gradient = d(s) pi(a|s) A(s,a) / (1 - gamma), a bound per entry (each is proportional
    to pi(a|s), so a tiny probability keeps its relative accuracy). With d^, A^ = Q^ - V^ certified (e_d,
    e_A = e_Q + e_V) and pi^ the policy at the current precision (relative error below
    (A + 16) ulp):
    |d pi A - d^ pi^ A^| <= pi (e_d (|A^| + e_A) + |d^| e_A) + |d^| |A^| |pi - pi^|,
    then divided by 1 - gamma; the mpf evaluation of d^ pi^ A^ / (1 - gamma) and of the
    difference with the value errs by at most 16 ulp of the magnitudes involved, and the
    spread (a sum of non-negative products) is inflated by 64 ulp."""
    dh, ed = _certified_d(P, gamma, mu, theta)
    vh, ev = _certified_v(P, R, gamma, theta)
    qh, eq = _certified_q(P, R, gamma, theta)
    e_a = ev + eq
    pi = mdp.policy(theta)
    ulp = _ulp()
    rel = (len(pi[0]) + 16) * ulp
    g = 1 - exact_fraction(gamma)
    one_minus_gamma = mp.mpf(mpmath.libmp.from_rational(g.numerator, g.denominator, mp.prec, "d"))
    bounds = []
    for s, row in enumerate(value):
        out = []
        for a, got in enumerate(row):
            p, adv = pi[s][a], qh[s][a] - vh[s]
            mine = dh[s] * p * adv / one_minus_gamma
            size = abs(dh[s]) * p * (abs(qh[s][a]) + abs(vh[s])) / one_minus_gamma
            spread = p * (1 + rel) * (ed * (abs(adv) + e_a) + abs(dh[s]) * e_a) + abs(dh[s] * adv) * p * rel
            gap = abs(mine - got) + 16 * ulp * (size + abs(got)) + spread * (1 + 64 * ulp) / one_minus_gamma
            out.append(up(exact_fraction(gap)))
        bounds.append(out)
    return bounds


def performance_difference(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any, *, value: Any
) -> Any:
    """pg.performance_difference = J + gain / (1 - gamma), J = mu . V, gain = sum_s d_new(s) w(s),
    w(s) = sum_a pi_new(a|s) A(s,a). With V^, Q^ (e_V, e_Q), d_new^ certified (its bound is an
    l1 bound: sum_s |d_new - d_new^| <= e_d) and pi_new^ at the current precision:
    |w - w^| <= e_A + rel max|A^| =: e_w, |gain - gain^| <= e_d max|w^| + (sum d_new^ + e_d) e_w,
    |J - J^| <= ||mu||_1 e_V; the mpf evaluation errs by at most 16 ulp of the magnitudes."""
    vh, ev = _certified_v(P, R, gamma, theta)
    qh, eq = _certified_q(P, R, gamma, theta)
    dh, ed = _certified_d(P, gamma, mu, theta_new)
    pi_new = mdp.policy(theta_new)
    ulp = _ulp()
    rel = (len(pi_new[0]) + 16) * ulp
    g = 1 - exact_fraction(gamma)
    one_minus_gamma = mp.mpf(mpmath.libmp.from_rational(g.numerator, g.denominator, mp.prec, "d"))
    adv = [[x - vh[s] for x in row] for s, row in enumerate(qh)]
    w = [mp.fdot(p, a) for p, a in zip(pi_new, adv, strict=True)]
    a_max = max(abs(x) for row in adv for x in row)
    e_w = (ev + eq) * (1 + rel) + rel * a_max * len(pi_new[0])
    gain = mp.fdot(dh, w)
    d_sum = mp.fsum(abs(x) for x in dh)
    gain_error = ed * max(abs(x) for x in w) + (d_sum + ed) * e_w
    weights = [exact_fraction(x) for x in mu]
    j = sum((m * exact_fraction(x) for m, x in zip(weights, vh, strict=True)), Fraction(0))
    mu_l1 = sum(abs(m) for m in weights)
    j_mpf = mp.mpf(mpmath.libmp.from_rational(j.numerator, j.denominator, mp.prec, "n"))
    mine = j_mpf + gain / one_minus_gamma
    size = abs(mine) + mp.fsum(abs(x) * abs(y) for x, y in zip(dh, w, strict=True)) / one_minus_gamma
    total = (
        abs(mine - value)
        + 16 * ulp * (size + abs(value))
        + up(mu_l1 * exact_fraction(ev))
        + gain_error * (1 + 64 * ulp) / one_minus_gamma
    )
    return up(exact_fraction(total))
