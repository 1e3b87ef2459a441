"""Exact inputs to mpf at the caller's precision, and small helpers shared by every section."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any, overload

import gmpy2
import mpmath
import numpy as np
from mpmath import mp

# An exact number (int or Fraction) or an mpf at the caller's precision. mpmath has no type
# information, so its values are `Any` to mypy.
Real = Any
Vec = list[Any]
Mat = list[list[Any]]
Tensor3 = list[list[list[Any]]]
RealMat = Sequence[Sequence[Real]]  # inputs: nested sequences of exact numbers
RealTensor3 = Sequence[Sequence[Sequence[Real]]]


def to_mpf(x: Real) -> Any:
    """x as an mpf, rounded once at the current precision (Fractions included)."""
    if isinstance(x, Fraction):
        return mp.mpf(mpmath.libmp.from_rational(x.numerator, x.denominator, mp.prec, "n"))
    if isinstance(x, float):
        raise TypeError("reference functions take exact inputs, not floats; use Fraction(x)")
    return mp.mpf(x)


class Binary64Array(Sequence[Any]):
    """A nested array of binary64 numbers standing for their exact values (an instance's P or R
    read from JSON numbers). It reads like nested lists of Fractions: indexing an inner axis
    gives a Binary64Array (the same object each time, so caches keyed by identity work), the
    last axis gives exact Fractions (made on first use of the row). `floats` is the read-only
    float64 array, for exact vectorized conversion (`fixed_binary64`) without Fractions."""

    __slots__ = ("_items", "floats")

    def __init__(self, floats: Any) -> None:
        self.floats = np.asarray(floats, dtype=np.float64)
        self.floats.setflags(write=False)
        self._items: list[Any] | None = None

    def _rows(self) -> list[Any]:
        if self._items is None:
            if self.floats.ndim == 1:
                self._items = [Fraction(*x.as_integer_ratio()) for x in self.floats.tolist()]
            else:
                self._items = [Binary64Array(row) for row in self.floats]
        return self._items

    def __len__(self) -> int:
        return int(self.floats.shape[0])

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        return self._rows()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows())

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        return self.floats if dtype is None else self.floats.astype(dtype)

    def tolist(self) -> Any:
        """The entries as (nested) Python floats, e.g. for JSON."""
        return self.floats.tolist()


def fixed_binary64(floats: Any, bits: int) -> Any:
    """floor(x * 2^bits) of every (finite) binary64 entry, as a flat object array of gmpy2.mpz:
    x = m 2^(e-53) exactly with the integer m from frexp, so floor(x 2^bits) is m shifted by
    e - 53 + bits (a right shift floors, also for negative m)."""
    mantissa, exponent = np.frexp(np.ravel(floats))
    ints = (mantissa * 2.0**53).astype(np.int64).tolist()
    shifts = (exponent.astype(np.int64) + (bits - 53)).tolist()
    mpz = gmpy2.mpz
    out = [mpz(m) << s if s >= 0 else mpz(m) >> -s for m, s in zip(ints, shifts, strict=True)]
    return np.fromiter(out, dtype=object, count=len(out))


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
    if isinstance(xs, Binary64Array):
        return fixed_binary64(xs.floats, bits).reshape(xs.floats.shape)

    def conv(v: Any) -> Any:
        if isinstance(v, (list, tuple, Binary64Array)):
            return [conv(w) for w in v]
        return gmpy2.mpz(fixed(v, bits))

    shape = _shape(xs)
    flat = conv(xs)
    for _ in shape[1:]:
        flat = [x for row in flat for x in row]
    items = flat if shape else [flat]
    return np.fromiter(items, dtype=object, count=len(items)).reshape(shape)


def _shape(xs: Any) -> tuple[int, ...]:
    if isinstance(xs, Binary64Array):
        return tuple(xs.floats.shape)
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
    if isinstance(xs, Binary64Array):
        top = float(np.max(np.abs(xs.floats), initial=0.0))
        return exponent_bound(Fraction(top)) if top else 0
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
