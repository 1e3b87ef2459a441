"""Exact fixed-point evaluation of a tabular MDP, the engine under reference.mdp's formulas.

V and d solve (I - gamma P_pi) x = b. A dense LU in mpmath is cubic in |S| at high precision;
instead, everything is held in exact fixed point (reference.numbers.fixed): P_pi and b are
formed once, I - gamma P_pi is factorized once in float64, and iterative refinement computes
residuals exactly in integers and corrects with the float64 factorization until the residual
is below 2^-(prec + 8) (relative to the data). The result is as accurate as a solve at the
caller's precision; oracle.certificates.mdp bounds its error rigorously and independently.
Fixed-point images of the inputs are cached by the identity of the (immutable) input lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gmpy2 import mpz
from mpmath import mp

from rlspec.reference.numbers import (
    Binary64Array,
    Real,
    RealMat,
    RealTensor3,
    exact_fraction,
    exponent_bound,
    fixed,
    fixed_array,
    fixed_binary64,
    from_fixed,
    mat,
    refine,
    softmax,
)


@dataclass
class Model:
    bits: int  # probabilities are floor(p * 2^bits)
    scale: int  # rewards and values are floor(x * 2^scale)
    n: int
    m: int
    P: Any  # object array [n][m][n]
    flat: Any  # the same as [n*m][n]
    r: Any  # object array [n][m]: floor(2^-bits sum_t P R) at `scale`, or None
    reward_exponent: int  # |R| < 2^reward_exponent (0 without R)
    gamma: int  # floor(gamma * 2^bits)
    gamma_float: float
    pins: tuple[Any, ...]


@dataclass
class PolicyPart:
    pi: Any  # object array [n][m] at `bits`
    p_pi: Any  # object array [n][n] at `bits`
    r_pi: Any  # object array [n] at `scale`, or None
    lu: Any  # the float64 inverse of I - gamma P_pi (the corrector of refinement), or None
    pins: tuple[Any, ...]


_CACHE: dict[tuple[Any, ...], Any] = {}
_CACHE_SIZE = 64  # entries
_CACHE_WEIGHT = 4_000_000  # big integers held, in all (about 100 bytes each at 50 digits)
# ... or, for a larger instance, this many times its |S|^2 |A| (the working set of one formula:
# P and R at two precisions, r(s,a), P_pi), so that a formula never evicts what it rebuilds.
_CACHE_INSTANCES = 12
_weight_limit = _CACHE_WEIGHT


def _weight(value: Any) -> int:
    """How many big integers a cached value holds (models and arrays dominate memory)."""
    if isinstance(value, Model):
        return int(value.P.size) * (1 if value.r is None else 2)
    if isinstance(value, np.ndarray):
        return int(value.size)
    if isinstance(value, tuple):
        return sum(_weight(v) for v in value)
    if isinstance(value, PolicyPart):
        return int(value.p_pi.size)
    return 1


def _cached(key: tuple[Any, ...], build: Any, pins: tuple[Any, ...]) -> Any:
    """build(), memoized under `key`; the entry keeps `pins` (the objects whose id() is in the
    key) alive, so an id cannot be reused by another object while the entry exists. Inputs are
    treated as immutable: do not mutate a list after passing it to a reference function.
    Least recently used entries are evicted beyond _CACHE_SIZE entries or _CACHE_WEIGHT."""
    entry = _CACHE.pop(key, None)
    if entry is not None:
        _CACHE[key] = entry  # most recently used last
        return entry[0]
    value = build()
    _CACHE[key] = (value, pins, _weight(value))
    total = sum(e[2] for e in _CACHE.values())
    while len(_CACHE) > 1 and (len(_CACHE) > _CACHE_SIZE or total > _weight_limit):
        total -= _CACHE.pop(next(iter(_CACHE)))[2]
    return value


def horizon_bits(gamma: Real) -> int:
    """An integer k with 1 / (1 - gamma) <= 2^k."""
    return max(exponent_bound(1 / (1 - exact_fraction(gamma))), 1)


def fixed_model(P: RealTensor3, R: RealTensor3 | None, gamma: Real, need: int | None = None) -> Model:
    """Fixed-point images of P, R, gamma with at least `need` bits (default: enough for a solve
    at the current precision). Built once with twice that, so that a certificate at twice the
    precision reuses it (the model is keyed by the identity of the input lists)."""
    global _weight_limit
    n, m = len(P), len(P[0])
    _weight_limit = max(_weight_limit, _CACHE_INSTANCES * n * m * n)
    if need is None:
        need = mp.prec + 48 + 2 * horizon_bits(gamma) + n.bit_length() + m.bit_length()
    key = ("model", id(P), id(R), exact_fraction(gamma))
    entry = _CACHE.get(key)
    if entry is None or entry[0].bits < need:
        _CACHE.pop(key, None)
        bits = 2 * need + (-2 * need) % 64
        entry = (_cached(key, lambda: _build_model(P, R, gamma, bits), (P, R)), None)
    else:
        _CACHE[key] = _CACHE.pop(key)  # most recently used last
    base: Model = entry[0]
    target = need + (-need) % 32
    if base.bits <= target + 64:
        return base
    return _cached(("derived", id(base), target), lambda: _derive(base, target), (base,))  # type: ignore[no-any-return]


def _derive(base: Model, bits: int) -> Model:
    """The model at fewer bits: floor(floor(x 2^a) / 2^k) = floor(x 2^(a-k)) for P and gamma;
    r(s,a) (already a floor) loses at most one more unit."""
    k = base.bits - bits
    p = _cached(("shifted", id(base.P), k), lambda: base.P >> k, (base.P,))
    r = None if base.r is None else base.r >> k
    return Model(
        bits, base.scale - k, base.n, base.m, p, p.reshape(base.n * base.m, base.n), r,
        base.reward_exponent, base.gamma >> k, base.gamma_float, base.pins,
    )


def _build_model(P: RealTensor3, R: RealTensor3 | None, gamma: Real, bits: int) -> Model:
    n, m = len(P), len(P[0])
    p_fixed = _fixed_tensor(P, bits)
    r_fixed = None
    scale, exponent = bits, 0
    if R is not None:
        r_raw = _fixed_tensor(R, bits)
        top = int(np.max(np.abs(r_raw))) if r_raw.size else 0
        e = top.bit_length() - bits
        if abs(e) > 16:  # keep about `bits` significant bits for rewards far from 1 in size
            scale = bits - e
            r_raw = _fixed_tensor(R, scale)
            top = int(np.max(np.abs(r_raw)))
        exponent = (top + 1).bit_length() - scale
        r_fixed = (p_fixed * r_raw).sum(axis=2) >> bits
    g = exact_fraction(gamma)
    flat = p_fixed.reshape(n * m, n)
    return Model(bits, scale, n, m, p_fixed, flat, r_fixed, exponent, fixed(g, bits), float(g), (P, R))


def _fixed_tensor(xs: RealTensor3, bits: int) -> Any:
    """floor(x * 2^bits) of a nested [n][m][k] list, as an object array (cached)."""
    key = ("tensor", id(xs), bits)
    n, m, k = len(xs), len(xs[0]), len(xs[0][0])
    return _cached(key, lambda: _fixed_flat(xs, bits).reshape(n, m, k), (xs,))


def _fixed_flat(xs: RealTensor3, bits: int) -> Any:
    if isinstance(xs, Binary64Array):
        return fixed_binary64(xs.floats, bits)
    flat = [x for block in xs for row in block for x in row]
    try:
        # binary64 inputs have power-of-two denominators: a shift instead of a division
        ints = [
            (mpz(n) << (bits + 1 - d.bit_length())) if d & (d - 1) == 0 and d.bit_length() <= bits
            else mpz((n << bits) // d if bits >= 0 else n // (d << -bits))  # huge |R|: bits < 0
            for n, d in (x.as_integer_ratio() for x in flat)
        ]
    except (AttributeError, TypeError):  # mpf entries
        ints = [mpz(fixed(x, bits)) for x in flat]
    return np.fromiter(ints, dtype=object, count=len(ints))  # (slice assignment of mpz is slow)


def policy_part(model: Model, pi: Any, exact: bool = False) -> PolicyPart:
    """P_pi, r_pi and the float64 factorization of I - gamma P_pi; pi is softmax(pi) unless exact."""
    key = ("policy", id(model), id(pi), exact)
    return _cached(key, lambda: _build_policy_part(model, pi, exact), (model, pi))  # type: ignore[no-any-return]


def _build_policy_part(model: Model, pi: Any, exact: bool) -> PolicyPart:
    bits = model.bits
    weights, p_pi, lu = _cached(
        ("chain", id(model.P), id(pi), exact, model.gamma), lambda: _chain(model, pi, exact), (model.P, pi)
    )
    r_pi = None if model.r is None else (weights * model.r).sum(axis=1) >> bits
    return PolicyPart(weights, p_pi, r_pi, lu, (pi, model))


def policy_weights(model: Model, pi: Any, exact: bool = False) -> Any:
    """floor(pi(a|s) 2^bits) for pi = softmax(pi) (computed with 16 extra bits), or pi itself."""

    def build() -> Any:
        if exact:
            return fixed_array(pi, model.bits)
        with mp.workprec(model.bits + 16):
            return fixed_array([softmax(row) for row in mat(pi)], model.bits)

    return _cached(("weights", model.bits, id(pi), exact), build, (pi,))


def _chain(model: Model, pi: Any, exact: bool) -> tuple[Any, Any, Any]:
    """pi, P_pi (shared by models with and without R) and the float64 LU of I - gamma P_pi."""
    bits = model.bits
    weights = policy_weights(model, pi, exact)
    p_pi = (weights[:, :, None] * model.P).sum(axis=1) >> bits
    p_float = np.array([[float(int(x) >> (bits - 60)) for x in row] for row in p_pi]) * 2.0**-60
    inverse = None
    with np.errstate(all="ignore"):
        system = np.eye(model.n) - model.gamma_float * p_float
        if np.all(np.isfinite(system)):
            try:
                inverse = np.linalg.inv(system)
            except np.linalg.LinAlgError:
                inverse = None
            if inverse is not None and not np.all(np.isfinite(inverse)):
                inverse = None
    return weights, p_pi, inverse


def solve(model: Model, part: PolicyPart, transpose: bool, b: Any = None) -> Any:
    """x = (I - gamma P_pi)^-1 b (b = r_pi by default), or (I - gamma P_pi^T)^-1 b, in fixed point,
    with a residual below 2^-(prec + 8) relative to b's scale (cached per precision)."""
    key = ("solve", id(part), transpose, None if b is None else tuple(b), mp.prec)
    return _cached(key, lambda: _solve_now(model, part, transpose, b), (part,))


def _solve_now(model: Model, part: PolicyPart, transpose: bool, b: Any) -> Any:
    rhs = part.r_pi if b is None else b
    bits, g = model.bits, model.gamma
    matrix = part.p_pi.T.copy() if transpose else part.p_pi

    def apply(x: Any) -> Any:
        return x - ((g * ((matrix @ x) >> bits)) >> bits)

    target = 1 << max(bits - mp.prec - 8, 0)
    x = None
    if part.lu is not None:
        corrector = part.lu.T if transpose else part.lu
        x = refine(apply, rhs, lambda r: corrector @ r, bits, target)
    return x if x is not None else _exact_solve(model, matrix, rhs)


def _exact_solve(model: Model, matrix: Any, rhs: Any) -> Any:
    """The fallback when float64 cannot factorize I - gamma P_pi: a dense LU at high precision."""
    n, bits = model.n, model.bits
    with mp.workprec(bits + 32):
        g = from_fixed(model.gamma, bits)
        system = mp.matrix(
            [[(1 if s == t else 0) - g * from_fixed(matrix[s][t], bits) for t in range(n)] for s in range(n)]
        )
        x = mp.lu_solve(system, mp.matrix([from_fixed(b, bits) for b in rhs]))
        out = np.empty(n, dtype=object)
        out[:] = [fixed(x[i], bits) for i in range(n)]
    return out


def v_fixed(model: Model, theta: RealMat) -> Any:
    return solve(model, policy_part(model, theta), transpose=False)


def q_fixed(model: Model, values: Any) -> Any:
    """floor-rounded r(s,a) + gamma sum_s' P(s'|s,a) V(s') in fixed point, as an [n][m] array."""
    bits = model.bits
    future = (model.gamma * ((model.flat @ values) >> bits)) >> bits
    return model.r + future.reshape(model.n, model.m)


def d_fixed(model: Model, mu: Sequence[Real], theta: RealMat) -> Any:
    bits = model.bits
    b = np.empty(model.n, dtype=object)
    b[:] = [(((1 << bits) - model.gamma) * fixed(x, bits)) >> bits for x in mu]
    return solve(model, policy_part(model, theta), transpose=True, b=b)
