"""Fast numerics for reference.entropy: soft policy evaluation and the soft optimal value V_lambda^*
in exact fixed point (the representation of reference.fixed_point: a value x is the integer
floor(x 2^scale), P and gamma are floor(. 2^bits), products are exact, shifts floor).

Soft policy evaluation solves (I - gamma P_pi) V = sum_a pi(a|s) sum_s' P(s'|s,a) (r - lam log pi)
by iterative refinement: exact integer residuals, a float64 inverse of I - gamma P_pi as the
corrector (reference.numbers.refine), as reference.fixed_point.solve does for the unregularized reward.

V_lambda^* is the root of F(V) = T_lambda V - V. Soft policy iteration is Newton's method on F
(the Jacobian of T_lambda at V is gamma P_pi for the soft-greedy pi of V, and T_lambda V =
T_lambda^pi V, so V + (I - gamma P_pi)^-1 (T_lambda V - V) = V_lambda^pi). It runs first in float64
to convergence, then in fixed point: the residual T_lambda V - V exactly in integers (the
log-sum-exp at a precision where it is exact to below one unit), the Newton correction from a
float64 solve with the soft-greedy pi of the current iterate (an inexact Newton step: each step
gains about -log2(float64 accuracy of the solve) bits). It stops when
||T_lambda V - V|| <= 2^-(prec + 16) (1 + ||V||) (1 - gamma), so that
||V - V_lambda^*|| <= ||T_lambda V - V|| / (1 - gamma) <= 2^-(prec + 16) (1 + ||V||).
Cost per step: one |S|^2 |A| integer product (of P with the correction, a float64 solution times
a power of two, so with small integers: Q(V + c) = Q(V) + gamma P c, recomputed in full before the
final test) and |S| |A| exponentials; no dense high-precision solve. When the fixed-point steps
stop contracting, `optimal_values` returns None and the caller falls back to soft policy
iteration with exact evaluation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mpmath import mp

from rlspec.reference import fixed_point
from rlspec.reference.numbers import (
    Binary64Array,
    Real,
    RealMat,
    RealTensor3,
    exponent_bound,
    fixed,
    fixed_array,
    fixed_binary64,
    from_fixed,
    to_mpf,
)

FLOAT_STEPS = 100  # soft policy iteration steps in float64 (it converges in far fewer)
FIXED_STEPS = 200  # inexact Newton steps in fixed point (about prec / 40 are needed)
REFINE_STEPS = 60  # iterative refinement steps of a soft policy evaluation
STALLED = 4  # consecutive fixed-point steps that do not shrink the residual 4-fold: give up


# ---- soft policy evaluation --------------------------------------------------------------------


def policy_values(P: RealTensor3, R: RealTensor3, gamma: Real, pi: RealMat, lam_log: RealMat) -> Any:
    """V with (I - gamma P_pi) V = r_lambda^pi, r_lambda^pi(s) = sum_a pi(a|s) sum_s' P(s'|s,a)
    (r(s,a,s') - lam_log[s][a]), to a residual below 2^-(prec + 8) relative to the data, as mpf;
    None when float64 cannot factorize I - gamma P_pi (the caller then solves another way)."""
    model = fixed_point.fixed_model(P, R, gamma)
    part = fixed_point.policy_part(model, pi, exact=True)
    if part.lu is None:
        return None
    bits = model.bits
    row_sums = model.P.sum(axis=2)  # sum_s' P(s'|s,a), exactly (not assumed to be 1)
    reward = model.r - ((fixed_array(lam_log, model.scale) * row_sums) >> bits)
    b = (part.pi * reward).sum(axis=1) >> bits
    x = _refine(model, part.p_pi, part.lu, b, 1 << max(bits - mp.prec - 8, 0))
    return None if x is None else [from_fixed(v, model.scale) for v in x]


def _refine(model: Any, p_pi: Any, inverse: Any, b: Any, target: int) -> Any:
    """x with max |b - (I - gamma P_pi) x| <= target units: iterative refinement with the float64
    inverse as the corrector. The residual is updated by the image of each correction, a float64
    solution times a power of two (an integer product of P_pi with small integers instead of full
    ones), which drifts by a few units per step from b - (I - gamma P_pi) x (floors); the final
    residual is recomputed in full. None when the residual stops shrinking."""
    bits, g = model.bits, model.gamma

    def apply(x: Any) -> Any:
        return x - ((g * ((p_pi @ x) >> bits)) >> bits)

    x = np.zeros(len(b), dtype=object)
    x[:] = 0
    residual, exact, previous = b, True, None
    for _ in range(REFINE_STEPS):
        size = max((abs(int(v)) for v in residual), default=0)
        if size <= target // 2 and not exact:
            residual, exact = b - apply(x), True
            size = max((abs(int(v)) for v in residual), default=0)
        if size <= target and exact:
            return x
        if previous is not None and 4 * size > previous:
            return None
        previous = size
        step = _step(inverse, residual)
        if step is None:
            return None
        small, shift = step
        change = small << shift
        x = x + change
        residual = residual - (change - ((g * (((p_pi @ small) << shift) >> bits)) >> bits))
        exact = False
    return None


# ---- the soft optimal value --------------------------------------------------------------------


def optimal_values(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real) -> Any:
    """(model, V) with V the fixed-point image (at model.scale) of V_lambda^* to
    2^-(prec + 16) (1 + ||V||), or None when the fixed-point Newton steps stop contracting."""
    model = fixed_point.fixed_model(P, R, gamma)
    p_float, r_float = _float_data(P, R)
    g_float, lam_float = float(gamma), float(lam)
    start = _float_values(p_float, r_float, g_float, lam_float)
    if start is None:
        values = np.zeros(model.n, dtype=object)
        values[:] = 0
    else:
        values = fixed_binary64(start, model.scale)
    scale, bits, g = model.scale, model.bits, model.gamma
    horizon = fixed_point.horizon_bits(gamma)
    q, exact = fixed_point.q_fixed(model, values), True
    previous, stalled, jacobian = None, 0, None
    for _ in range(FIXED_STEPS):
        image, pi = soft_max_fixed(q, lam, scale)
        residual = image - values
        size = max(abs(int(x)) for x in residual)
        top = max(abs(int(x)) for x in values)
        target = max(((1 << max(scale, 0)) + top) >> (mp.prec + 16 + horizon), 1)
        if size <= target // 2 and not exact:  # q drifted by a few units: recompute it in full
            q, exact = fixed_point.q_fixed(model, values), True
            continue
        if size <= target and exact:
            return model, values
        stalled = stalled + 1 if previous is not None and 4 * size > previous else 0
        if stalled >= STALLED:
            return None
        previous = size
        if jacobian is None or np.max(np.abs(pi - jacobian[0])) > 2.0**-40:
            jacobian = (pi, _inverse_jacobian(p_float, g_float, pi))
        step = None if jacobian[1] is None else _step(jacobian[1], residual)
        if step is None:
            return None
        # V += c with c = small 2^shift; Q(V + c) = Q(V) + gamma P c, P c from the small integers
        small, shift = step
        values = values + (small << shift)
        future = (g * (((model.flat @ small) << shift) >> bits)) >> bits
        q, exact = q + future.reshape(model.n, model.m), False
    return None


def soft_max_fixed(q: Any, lam: Real, scale: int) -> tuple[Any, Any]:
    """For Q in fixed point at `scale` ([n][m] integers): the integers
    floor(2^scale lam log sum_a exp(Q(s,a)/lam)) (exact but for the floor: evaluated at a precision
    where its rounding is far below one unit) and the soft-greedy policy softmax(Q/lam) in float64."""
    rows = [[int(x) for x in row] for row in q]
    top = max((abs(x) for row in rows for x in row), default=0).bit_length()
    work = max(top, scale + exponent_bound(to_mpf(lam)) + 4, 64) + 32
    out = np.empty(len(rows), dtype=object)
    pi = np.zeros((len(rows), len(rows[0]) if rows else 0))
    with mp.workprec(work):
        lam_ = to_mpf(lam)
        cut = -work  # exp(x) < 2^-work 2^-work/ln2: negligible next to the term exp(0) = 1
        for s, row in enumerate(rows):
            best = max(row)
            logits = [from_fixed(x - best, scale) / lam_ for x in row]
            weights = [mp.exp(x) if x > cut else mp.zero for x in logits]
            total = mp.fsum(weights)
            out[s] = best + fixed(lam_ * mp.log(total), scale)
            pi[s] = [float(w / total) for w in weights]
    return out, pi


def _inverse_jacobian(p_float: Any, gamma: float, pi: Any) -> Any:
    """(I - gamma P_pi)^-1 in float64 (None when float64 fails). Newton's correction
    (I - gamma P_pi)^-1 (T V - V) uses it while the soft-greedy pi of the iterate stays within
    2^-40 of the pi it was formed with (a chord method: the fixed-point residual is exact, so an
    approximate Jacobian only slows the contraction, from the ~2^-40 of float64 per step)."""
    n = len(pi)
    with np.errstate(all="ignore"):
        chain = np.einsum("sa,sat->st", pi, p_float)
        try:
            inverse = np.linalg.inv(np.eye(n) - gamma * chain)
        except np.linalg.LinAlgError:
            return None
    return inverse if np.all(np.isfinite(inverse)) else None


def _step(inverse: Any, residual: Any) -> tuple[Any, int] | None:
    """(c, k) with c 2^k = round(inverse @ residual), k >= 0, c small integers: the residual scaled
    to floats by a power of two, the float64 product, 10 more bits; None when it is not finite."""
    size = max(abs(int(x)) for x in residual)
    shift = size.bit_length() - 62
    scaled = np.array([float(int(x) >> shift if shift >= 0 else int(x) << -shift) for x in residual])
    with np.errstate(all="ignore"):
        c = inverse @ scaled
    if not np.all(np.isfinite(c)):
        return None
    ints = [int(v) for v in np.rint(np.ldexp(c, 10))]
    k = shift - 10
    if k < 0:
        ints, k = [v >> -k for v in ints], 0
    out = np.empty(len(ints), dtype=object)
    out[:] = ints
    return out, k


def _float_data(P: RealTensor3, R: RealTensor3) -> tuple[Any, Any]:
    """P as a float64 [n][m][n] array and r(s,a) = sum_s' P R in float64 (inf where R overflows)."""
    with np.errstate(all="ignore"):
        p, rewards = _floats(P), _floats(R)
        return p, (p * rewards).sum(axis=2)


def _floats(xs: RealTensor3) -> Any:
    if isinstance(xs, Binary64Array):
        return xs.floats
    try:
        return np.array([[[float(x) for x in row] for row in block] for block in xs])
    except OverflowError:  # an exact number beyond binary64: no float64 start
        return np.full((len(xs), len(xs[0]), len(xs[0][0])), np.inf)


def _float_values(p: Any, r: Any, gamma: float, lam: float) -> Any:
    """Soft policy iteration in float64 from V = 0 until the residual ||T V - V|| stops shrinking;
    the iterate with the smallest residual, or None when float64 cannot represent the problem."""
    n, m = r.shape
    flat = p.reshape(n * m, n)
    values = np.zeros(n)
    best, best_residual, stalled = None, np.inf, 0
    with np.errstate(all="ignore"):
        if not (np.all(np.isfinite(r)) and 0 < lam < np.inf):
            return None
        for _ in range(FLOAT_STEPS):
            q = r + gamma * (flat @ values).reshape(n, m)
            top = q.max(axis=1)
            weights = np.exp((q - top[:, None]) / lam)
            total = weights.sum(axis=1)
            image = top + lam * np.log(total)
            residual = float(np.max(np.abs(image - values)))
            if not np.isfinite(residual):
                return best
            if residual < best_residual:
                best, best_residual, stalled = values, residual, 0
            else:
                stalled += 1
            if stalled >= 3 or residual <= 1e-15 * (1 + float(np.max(np.abs(values)))):
                break
            pi = weights / total[:, None]
            reward = (pi * (r - (q - image[:, None]))).sum(axis=1)  # lam log pi = Q - T V
            chain = np.einsum("sa,sat->st", pi, p)
            try:
                values = np.linalg.solve(np.eye(n) - gamma * chain, reward)
            except np.linalg.LinAlgError:
                return best
    return best
