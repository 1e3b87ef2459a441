"""The enclosures of the squashed forms' Gaussian expectations (rlspec.reference.quadrature)
against an independent route: mpmath's tanh-sinh quadrature at twice the digits, in eps, with
breakpoints graded around the poles' real part -mean/std (no decomposition, no Stein identity).
On 40 (mean, log_std) pairs: the gaussian_policy family's draws for every spread (the domain's
ends log_std in [-50, -40] and [40, 50] included) and hand-picked extremes. The balls must
contain the reference (the stated bound holds) and be tight to the working precision."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from flint import arb
from mpmath import mp

from rlspec.oracle.families import gaussian_policy
from rlspec.reference import quadrature

DPS = 30


def _pairs() -> list[tuple[float, float]]:
    pairs = [(50.0, 0.0), (-30.0, 3.0), (0.0, 4.0), (3.0, -8.0), (0.7, 3.5), (1e-3, -20.0), (0.0, 0.0)]
    pairs += [(0.3, 50.0), (-40.0, 50.0), (25.0, -50.0), (0.0, -50.0), (-0.0625, 1.0), (80.0, 5.0)]
    for spread in ("moderate", "wide", "narrow", "saturated", "floor", "ceiling"):
        raw = gaussian_policy.generate(seed=3, states=3, dims=3, spread=spread)
        flat = zip(np.ravel(raw["mean"]), np.ravel(raw["log_std"]), strict=True)
        pairs += [(float(m), float(s)) for m, s in list(flat)[:5]]
    return pairs[:40]


PAIRS = _pairs()


def _reference(mean: Any, log_std: Any) -> list[Any]:
    """E[f(mean + std eps, eps)] for the eight integrands, by mpmath.quad at the current precision
    (E[eps tanh(u)] as E[eps (tanh(u) - tanh(mean))], without the cancellation at tiny std)."""
    m, s = mp.mpf(mean), mp.exp(mp.mpf(log_std))
    center = -m / s
    points = {mp.mpf(x) for x in range(-12, 13, 2)}
    points.add(center)  # then graded geometrically away from the poles' real part
    points.update(p for k in range(200) for sign in (-1, 1) if abs(p := center + sign * 4**k / (4 * s)) < 12)
    edges = [-mp.inf, *sorted(points), mp.inf]

    def log_sech2(u: Any) -> Any:
        return 2 * (mp.log(2) - abs(u) - mp.log1p(mp.exp(-2 * abs(u))))

    def sech2(u: Any) -> Any:
        return 1 / mp.cosh(u) ** 2

    fns = [
        lambda u, e: mp.tanh(u),
        lambda u, e: mp.tanh(u) ** 2,
        lambda u, e: log_sech2(u),
        lambda u, e: sech2(u),
        lambda u, e: mp.tanh(u) * sech2(u),
        lambda u, e: e * mp.sinh(s * e) / (mp.cosh(u) * mp.cosh(m)),  # e (tanh(u) - tanh(mean))
        lambda u, e: e * sech2(u),
        lambda u, e: e * mp.tanh(u) * sech2(u),
    ]
    norm = 1 / mp.sqrt(2 * mp.pi)
    return [norm * mp.quad(lambda e, g=g: mp.exp(-e * e / 2) * g(m + s * e, e), edges) for g in fns]


@pytest.mark.parametrize(("mean", "log_std"), PAIRS)
def test_enclosures_contain_tanh_sinh_at_twice_the_digits(mean: float, log_std: float) -> None:
    with mp.workdps(2 * DPS):
        want = _reference(mean, log_std)
    with mp.workdps(DPS):
        objective = quadrature.objective_balls(mp.mpf(mean), mp.mpf(log_std))
        gradient = quadrature.gradient_balls(mp.mpf(mean), mp.mpf(log_std))
        got = [*objective, *gradient[1:]]
        values = [
            *quadrature.objective_moments(mean, log_std),
            *quadrature.gradient_moments(mean, log_std)[1:],
        ]
        assert gradient[0].overlaps(objective[0])
    with mp.workdps(2 * DPS):
        slack = mp.mpf(10) ** (-2 * DPS + 8) * max(1, abs(mp.mpf(mean)) + mp.exp(mp.mpf(log_std)))
        for ball, value, exact in zip(got, values, want, strict=True):
            mid, rad = quadrature.to_mpf(ball), quadrature.to_mpf(ball.rad())
            assert abs(mid - exact) <= rad + slack  # the stated bound holds
            assert rad <= mp.mpf(2) ** (-mp.prec // 2) * max(1, abs(exact))  # and is tight
            assert abs(value - exact) <= rad + slack + abs(value) * mp.mpf(2) ** (-mp.prec // 2)


def test_the_precision_of_python_flint_is_restored() -> None:
    from flint import ctx

    before = ctx.prec
    with mp.workdps(80):
        quadrature.gradient_moments(mp.mpf("0.25"), mp.mpf(2))
    assert ctx.prec == before
    assert arb(1).is_exact()


def _independent_moments(monkeypatch: pytest.MonkeyPatch) -> None:
    """sac's squashed formulas computed from the mpmath tanh-sinh expectations instead."""
    from rlspec.reference import sac

    def objective(mean: Any, log_std: Any) -> tuple[Any, ...]:
        return tuple(_reference(mean, log_std)[:3])

    def gradient(mean: Any, log_std: Any) -> tuple[Any, ...]:
        values = _reference(mean, log_std)
        return (values[0], *values[3:])

    monkeypatch.setattr(sac, "objective_moments", objective)
    monkeypatch.setattr(sac, "gradient_moments", gradient)


@pytest.mark.parametrize("spread", ["moderate", "wide", "narrow", "saturated", "floor", "ceiling"])
@pytest.mark.parametrize("formula_id", ["sac.squashed_policy_objective", "sac.squashed_policy_gradient"])
def test_oracle_bounds_hold_against_the_independent_route(
    formula_id: str, spread: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every entry of the oracle's value at 25 digits lies within its stated bound of the
    formula computed at 60 digits from the tanh-sinh expectations (the family's corners)."""
    from rlspec import spec
    from rlspec.oracle.evaluate import arguments, compute, evaluate
    from rlspec.oracle.instance import from_mapping

    instance = from_mapping(gaussian_policy.generate(seed=7, states=1, dims=2, spread=spread))
    result = evaluate(formula_id, instance, dps=25)
    f = spec.formula(formula_id)
    _independent_moments(monkeypatch)
    fine = compute(f, arguments(f, instance), 60)
    with mp.workdps(60):
        flat = np.array(result.value, dtype=object).ravel()
        bounds = np.array(result.error_bounds, dtype=object).ravel()
        for got, bound, want in zip(flat, bounds, np.array(fine, dtype=object).ravel(), strict=True):
            assert abs(mp.mpf(got) - mp.mpf(want)) <= mp.mpf(bound)
            assert mp.mpf(bound) <= mp.mpf(10) ** -25 * max(1, abs(mp.mpf(want)))
