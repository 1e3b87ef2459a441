"""Certified error bounds for the NPG section (oracle.evaluate calls these inside
mp.workdps(2 * work)).

npg.compatible_regression and npg.direction are, exactly, omega*[s] = A(s,.) - mean_a A(s,a) on
the states d_mu^pi reaches (decided exactly from the supports of mu and P) and 0 elsewhere, and
omega* / (1 - gamma). With V^ and Q^ recomputed at the certificate's precision and certified by
the MDP core's contraction residuals (e_V, e_Q), the true advantage is within e_A = e_V + e_Q of
A^ = Q^ - V^ entrywise; centering a row at most doubles an entrywise error. The comparison of the
reported value with the centred A^ is done in exact rationals.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from rlspec.oracle.certificates import mdp as core
from rlspec.reference import mdp
from rlspec.reference.npg import reachable
from rlspec.reference.numbers import exact_fraction


def _centred_advantage(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any
) -> tuple[list[list[Fraction]], Fraction]:
    """(A^ - row means of A^, exactly, 0 on unreached rows) and e_A."""
    vh = mdp.v(P, R, gamma, theta)
    qh = mdp.q(P, R, gamma, theta)
    e_a = exact_fraction(core.v(P, R, gamma, theta, value=vh)) + exact_fraction(
        core.q(P, R, gamma, theta, value=qh)
    )
    out = []
    for s, (row, keep) in enumerate(zip(qh, reachable(P, gamma, mu), strict=True)):
        if not keep:
            out.append([Fraction(0)] * len(row))
            continue
        v_s = exact_fraction(vh[s])
        adv = [exact_fraction(x) - v_s for x in row]
        mean = sum(adv, Fraction(0)) / len(adv)
        out.append([x - mean for x in adv])
    return out, e_a


def _bound(
    centred: list[list[Fraction]], e_a: Fraction, value: Any, scale: Fraction, visited: list[bool]
) -> Any:
    worst = Fraction(0)
    for row, got, keep in zip(centred, value, visited, strict=True):
        spread = 2 * e_a * scale if keep else Fraction(0)
        for x, y in zip(row, got, strict=True):
            worst = max(worst, abs(x * scale - exact_fraction(y)) + spread)
    return core.up(worst)


def compatible_regression(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, *, value: Any) -> Any:
    """npg.compatible_regression: max |omega* - omega~| <= max |centred(A^) - omega~| + 2 e_A."""
    centred, e_a = _centred_advantage(P, R, gamma, mu, theta)
    return _bound(centred, e_a, value, Fraction(1), reachable(P, gamma, mu))


def direction(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, *, value: Any) -> Any:
    """npg.direction: max |x - x~| <= max |centred(A^) / (1 - gamma) - x~| + 2 e_A / (1 - gamma)."""
    centred, e_a = _centred_advantage(P, R, gamma, mu, theta)
    return _bound(centred, e_a, value, 1 / (1 - exact_fraction(gamma)), reachable(P, gamma, mu))


def step(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, delta: Any, *, value: Any) -> Any:
    """trpo.step = sqrt(2 delta / c) x with x = npg.direction and c = g^T F^+ g = x^T F x
    = sum_s d(s) Var_{pi_s}(x_s). With x^ = centred(A^) / (1 - gamma) (|x - x^| <= e_x =
    2 e_A / (1 - gamma) on visited rows, x = x^ = 0 elsewhere), d^ certified (e_d), pi^ the policy
    at this precision (relative error rel = (|A| + 16) 2^-prec, as in the core), and M_s = max |x^_s|:
      |Var_pi(x_s) - Var_pi^(x^_s)| <= ev_s = 8 e_x (M_s + e_x) + 16 rel (M_s + e_x)^2,
      |c - c^| <= e_c = sum_s e_d (Var^_s + ev_s) + |d^_s| ev_s            (c^ exact, rational),
      |1/sqrt(c) - 1/sqrt(c^)| <= e_c / (2 (c^ - e_c)^(3/2))                (needs c^ > e_c),
    so |s - s~| <= |q x^ - s~| + q 2^(6-prec) max|x^| + sqrt(2 delta) e_c / (2 c_lo^1.5) max|x| + q e_x,
    q = sqrt(2 delta / c^) evaluated here. With |A| = 1 the step is exactly 0. When c^ <= e_c
    (every visited row's advantage constant to within the certified error) nothing is certified:
    the bound is +inf."""
    from mpmath import mp

    from rlspec.oracle.certificates import mdp as core_cert

    rows = [list(r) for r in value]
    if len(rows[0]) == 1:
        return core_cert.up(max(abs(exact_fraction(y)) for row in rows for y in row))
    centred, e_a = _centred_advantage(P, R, gamma, mu, theta)
    visited = reachable(P, gamma, mu)
    scale = 1 / (1 - exact_fraction(gamma))
    x_hat = [[v * scale for v in row] for row in centred]
    e_x = 2 * e_a * scale
    d_hat = mdp.visitation(P, gamma, mu, theta)
    e_d = exact_fraction(core_cert.visitation_l1(P, gamma, mu, theta, value=d_hat))
    pi_hat = [[exact_fraction(p) for p in row] for row in mdp.policy(theta)]
    rel = Fraction(len(pi_hat[0]) + 16, 1 << mp.prec)
    c_hat, e_c, x_max = Fraction(0), Fraction(0), Fraction(0)
    for s, keep in enumerate(visited):
        if not keep:
            continue
        row, w = x_hat[s], exact_fraction(d_hat[s])
        mean = sum((p * v for p, v in zip(pi_hat[s], row, strict=True)), Fraction(0))
        var = sum((p * (v - mean) ** 2 for p, v in zip(pi_hat[s], row, strict=True)), Fraction(0))
        big = max(abs(v) for v in row) + e_x
        x_max = max(x_max, big)
        ev = 8 * e_x * big + 16 * rel * big**2
        c_hat += w * var
        e_c += e_d * (var + ev) + abs(w) * ev
    c_lo = c_hat - e_c
    if c_lo <= 0:
        return mp.inf
    two_delta = 2 * exact_fraction(delta)
    q = mp.sqrt(
        mp.mpf(two_delta.numerator) / two_delta.denominator / (mp.mpf(c_hat.numerator) / c_hat.denominator)
    )
    qf = exact_fraction(q)
    computed = max(
        abs(qf * v - exact_fraction(y))
        for row, got in zip(x_hat, rows, strict=True)
        for v, y in zip(row, got, strict=True)
    )
    slack = qf * Fraction(64, 1 << mp.prec) * x_max
    lo = mp.mpf(c_lo.numerator) / c_lo.denominator
    sensitivity = exact_fraction(
        mp.sqrt(mp.mpf(two_delta.numerator) / two_delta.denominator) / (2 * lo * mp.sqrt(lo))
    )
    sensitivity *= 1 + Fraction(64, 1 << mp.prec)
    return core_cert.up(
        computed + slack + sensitivity * e_c * x_max + qf * e_x * (1 + Fraction(64, 1 << mp.prec))
    )
