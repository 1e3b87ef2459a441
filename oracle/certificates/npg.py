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

from oracle.certificates import mdp as core
from reference import mdp
from reference.npg import reachable
from reference.numbers import exact_fraction


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
