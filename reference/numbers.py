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


def log_softmax(xs: Sequence[Any]) -> Vec:
    """x_i - log sum_j exp(x_j): the logarithm of softmax(xs), without forming it."""
    top = logsumexp(xs)
    return [x - top for x in xs]


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


# ---- exact fixed point ------------------------------------------------------------------------
# Large systems are solved in exact integer arithmetic: a value x is held as the integer
# floor(x * 2^bits). Products of two such integers are exact; only explicit shifts round (down,
# by less than one unit). Arrays of such integers are numpy object arrays (Python ints): numpy is
# only the container, every operation on them is exact integer arithmetic.


def fixed(x: Real, bits: int) -> int:
    """floor(x * 2^bits) for an exact x (int, Fraction or mpf)."""
    if isinstance(x, bool):
        raise TypeError("a bool is not a number")
    if isinstance(x, int):
        return x << bits if bits >= 0 else x >> -bits
    if isinstance(x, Fraction):
        n, d = x.numerator, x.denominator
        return (n << bits) // d if bits >= 0 else n // (d << -bits)
    if isinstance(x, float):
        raise TypeError("reference functions take exact inputs, not floats; use Fraction(x)")
    sign, man, exp, _ = x._mpf_ if hasattr(x, "_mpf_") else mp.mpf(x)._mpf_
    if not man and exp:
        raise ValueError("not a finite number")
    m = -man if sign else man
    e = exp + bits
    return int(m << e if e >= 0 else m >> -e)


def fixed_array(xs: Any, bits: int) -> Any:
    """The nested list xs as a numpy object array of floor(x * 2^bits), as gmpy2.mpz (products
    and sums of big integers run about three times faster than with Python ints)."""
    import gmpy2
    import numpy as np

    def conv(v: Any) -> Any:
        return [conv(w) for w in v] if isinstance(v, (list, tuple)) else gmpy2.mpz(fixed(v, bits))

    shape = _shape(xs)
    flat = conv(xs)
    for _ in shape[1:]:
        flat = [x for row in flat for x in row]
    items = flat if shape else [flat]
    return np.fromiter(items, dtype=object, count=len(items)).reshape(shape)


def _shape(xs: Any) -> tuple[int, ...]:
    shape = []
    while isinstance(xs, (list, tuple)):
        shape.append(len(xs))
        if not xs:
            break
        xs = xs[0]
    return tuple(shape)


def from_fixed(n: int, bits: int) -> Any:
    """n * 2^-bits as an mpf, rounded once at the current precision."""
    return mp.mpf((int(n), -bits))


def exponent_bound(xs: Any) -> int:
    """An integer e with max |x| < 2^e over the (nested) exact numbers xs (e >= 0 when all are 0)."""
    if isinstance(xs, (list, tuple)):
        return max((exponent_bound(x) for x in xs), default=0)
    if isinstance(xs, int):
        return xs.bit_length()
    if isinstance(xs, Fraction):
        if xs == 0:
            return 0
        return abs(xs.numerator).bit_length() - xs.denominator.bit_length() + 1
    value = mp.mpf(xs)
    if not value:
        return 0
    man, exp = value.man, value.exp
    return int(abs(man).bit_length() + exp)


def exact_fraction(x: Real) -> Fraction:
    """The exact value of an int, Fraction or mpf as a Fraction."""
    if isinstance(x, (int, Fraction)):
        return Fraction(x)
    value = mp.mpf(x)
    if not value:
        return Fraction(0)
    sign, man, exp, _ = value._mpf_
    man, exp = (-int(man) if sign else int(man)), int(exp)
    return Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)


def refine(
    apply: Any, b: Any, lu_solve: Any, bits: int, target: int, max_iterations: int = 60
) -> Any | None:
    """Mixed-precision iterative refinement for M x = b in fixed point.

    `apply(x)` evaluates M x exactly up to a few units (integers in, integers out); `lu_solve(r)`
    solves M c = r approximately in float64 (a factorization computed once). Starting from x = 0:
    r = b - M x, stop when max |r| <= target units; else x += round(c). Each step gains about
    -log2(float64 accuracy of the factorization) bits. Returns None when the factorization is
    useless (the residual stops shrinking), so that the caller can fall back to an exact LU.
    """
    import numpy as np

    x = np.zeros(len(b), dtype=object)
    x[:] = 0
    previous = None
    for _ in range(max_iterations):
        r = b - apply(x)
        size = max((abs(int(v)) for v in r), default=0)
        if size <= target:
            return x
        if previous is not None and size * 4 > previous:
            return None
        previous = size
        shift = size.bit_length() - 62
        scaled = np.array([float(int(v) >> shift if shift >= 0 else int(v) << -shift) for v in r])
        with np.errstate(all="ignore"):
            c = lu_solve(scaled)
        if not np.all(np.isfinite(c)):
            return None
        c_int = [int(v) for v in np.rint(np.ldexp(c, 10))]
        s = shift - 10
        x = x + np.array([v << s if s >= 0 else v >> -s for v in c_int], dtype=object)
    return None


def solve_refined(a: Mat, b: Vec) -> Vec:
    """The solution x of a x = b (a square, mpf or exact), like `solve`, but by iterative
    refinement: both sides scaled by powers of two to below 1, held in fixed point with
    prec + 64 bits, a float64 LU of a as the corrector, exact integer residuals; a dense mpmath
    LU when float64 cannot factorize a. Quadratic instead of cubic work per ~15 digits."""
    import numpy as np
    import scipy.linalg

    n = len(b)
    ea, eb = exponent_bound(a), exponent_bound(b)
    bits = mp.prec + 64
    with mp.workprec(bits + 16):
        a_n = fixed_array([[mp.ldexp(to_mpf(x), -ea) for x in row] for row in a], bits)
        b_n = fixed_array([mp.ldexp(to_mpf(x), -eb) for x in b], bits)
    a_float = np.array([[float(int(x) >> 11) for x in row] for row in a_n]) * 2.0 ** (11 - bits)
    y = None
    with np.errstate(all="ignore"):
        if np.all(np.isfinite(a_float)):
            lu = scipy.linalg.lu_factor(a_float, check_finite=False)
            if np.all(np.isfinite(lu[0])) and np.min(np.abs(np.diag(lu[0]))) > 0:
                y = refine(
                    lambda x: (a_n @ x) >> bits,
                    b_n,
                    lambda r: scipy.linalg.lu_solve(lu, r),
                    bits,
                    1 << 56,
                )
    if y is None:
        return solve(a, b)
    return [mp.ldexp(from_fixed(v, bits), eb - ea) for v in y[:n]]
