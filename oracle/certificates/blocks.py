"""Certified error bounds for the rational building blocks (oracle.evaluate calls these inside
mp.workdps(2 * work)): GAE, the lambda and n-step returns, the twin-critic target and loss and
the clipped value loss are finite rational expressions in the exact inputs (sums, products,
min, max), so the exact value is computed in Fraction arithmetic and the bound is the largest
distance from the computed value to it, rounded up."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from mpmath import mp

from rlspec.reference.blocks import EXACT
from rlspec.reference.numbers import exact_fraction


def _distance(value: Any, exact: Any) -> Fraction:
    """max over entries of |value - exact|, exactly."""
    if isinstance(value, (list, tuple)):
        return max((_distance(v, e) for v, e in zip(value, exact, strict=True)), default=Fraction(0))
    return abs(exact_fraction(value) - Fraction(exact))


def _rounded_up(x: Fraction) -> Any:
    """An mpf >= x: x rounded to nearest at the current precision, then raised by 2^(2 - prec)."""
    return mp.mpf(x.numerator) / x.denominator * (1 + mp.ldexp(1, 2 - mp.prec))


def _certificate(name: str) -> Callable[..., Any]:
    exact_value = EXACT[name]

    def certify(*args: Any, value: Any) -> Any:
        return _rounded_up(_distance(value, exact_value(*args)))

    certify.__name__ = name
    certify.__doc__ = f"|value - exact| for reference.blocks.{name}, with the exact value in Fractions."
    return certify


gae_advantage = _certificate("gae_advantage")
lambda_return = _certificate("lambda_return")
nstep_return = _certificate("nstep_return")
twin_target = _certificate("twin_target")
twin_loss = _certificate("twin_loss")
value_clipped_loss = _certificate("value_clipped_loss")
