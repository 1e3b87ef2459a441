"""Exact inputs to mpf at the caller's precision, and small helpers shared by every section."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import mpmath
from mpmath import mp

# An exact number (int or Fraction) or an mpf at the caller's precision. mpmath has no type
# information, so its values are `Any` to mypy.
Real = Any
Vec = list[Any]
Mat = list[list[Any]]
Tensor3 = list[list[list[Any]]]


def to_mpf(x: Real) -> Any:
    """x as an mpf, rounded once at the current precision (Fractions included)."""
    if isinstance(x, Fraction):
        return mp.mpf(mpmath.libmp.from_rational(x.numerator, x.denominator, mp.prec, "n"))
    if isinstance(x, float):
        raise TypeError("reference functions take exact inputs, not floats; use Fraction(x)")
    return mp.mpf(x)


def vec(xs: Sequence[Real]) -> Vec:
    return [to_mpf(x) for x in xs]


def mat(xss: Sequence[Sequence[Real]]) -> Mat:
    return [[to_mpf(x) for x in row] for row in xss]


def tensor3(xsss: Sequence[Sequence[Sequence[Real]]]) -> Tensor3:
    return [[[to_mpf(x) for x in row] for row in block] for block in xsss]


def dot(xs: Sequence[Any], ys: Sequence[Any]) -> Any:
    """sum_i x_i y_i, accurately summed at the current precision."""
    return mp.fdot(xs, ys)


def logsumexp(xs: Sequence[Any]) -> Any:
    """log sum_i exp(x_i), shifted by the maximum so it never overflows."""
    top = max(xs)
    return top + mp.log(mp.fsum(mp.exp(x - top) for x in xs))


def softmax(xs: Sequence[Any]) -> Vec:
    """exp(x_i) / sum_j exp(x_j), shifted by the maximum."""
    top = max(xs)
    weights = [mp.exp(x - top) for x in xs]
    total = mp.fsum(weights)
    return [w / total for w in weights]


def zeros(n: int) -> Vec:
    return [mp.zero] * n


def identity(n: int) -> Mat:
    return [[mp.one if i == j else mp.zero for j in range(n)] for i in range(n)]


def solve(a: Mat, b: Vec) -> Vec:
    """The solution x of a x = b (dense LU at the current precision)."""
    x = mp.lu_solve(mp.matrix(a), mp.matrix(b))
    return [x[i] for i in range(len(b))]


def transpose(a: Mat) -> Mat:
    return [list(col) for col in zip(*a, strict=True)]
