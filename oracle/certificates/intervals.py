"""Interval-arithmetic helpers shared by the certificates that enclose a value in mpmath.iv
intervals (outward rounding): the precision, exact inputs as intervals, sums, and the distance
from a computed value to an enclosure of the true one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

from mpmath import iv, mp

Interval = Any  # mpmath.iv.mpf


@contextmanager
def precision() -> Iterator[None]:
    """mpmath.iv at the precision of the caller's mp context, restored afterwards."""
    saved = iv.prec
    iv.prec = mp.prec
    try:
        yield
    finally:
        iv.prec = saved


def exact(x: Any) -> Interval:
    """An enclosure of the exact number x (int, Fraction, or mpf)."""
    if isinstance(x, Fraction):
        return iv.mpf(x.numerator) / iv.mpf(x.denominator)
    return iv.mpf(x)


def exact_vec(xs: Sequence[Any]) -> list[Interval]:
    """exact(x) for every entry."""
    return [exact(x) for x in xs]


def isum(xs: Sequence[Interval]) -> Interval:
    """The sum of the intervals, from left to right."""
    result = iv.mpf(0)
    for x in xs:
        result = result + x
    return result


def distance(value: Any, enclosure: Any) -> Any:
    """max over entries (nested lists or tuples, or scalars) of the upper end of
    |value - enclosure|: the farthest the true value can be from the computed one (exact mpf)."""
    if isinstance(value, (list, tuple)):
        return max((distance(v, e) for v, e in zip(value, enclosure, strict=True)), default=mp.zero)
    return mp.make_mpf(abs(iv.mpf(value) - enclosure)._mpi_[1])
