"""Certified error bounds for the natural-gradient formulas (dist.*), by interval arithmetic.

oracle.evaluate calls `<name>(*args, value=value)` (each certificate is named as its reference
function) inside mp.workdps(2 * work). Each function encloses the true value of the formula in
mpmath intervals (mpmath.iv, outward rounding, at the current binary precision) from the exact
inputs, through the closed form of the formula, and returns an upper bound on max_i |true_i -
value_i|: the upper end of |iv(value_i) - X_i| for the enclosure X_i. The closed forms are those
the reference's docstrings derive and the property tests check: grad J = p (f - J); F^+ grad J = f
- mean(f) for the categorical family (every p_theta(x) > 0); the Gaussian moments. A value that is
exactly zero by the reference's exact test (grad J = 0 for the natural step) has bound 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from mpmath import iv, mp

from rlspec.oracle.certificates.intervals import distance, exact, exact_vec, isum, precision
from rlspec.reference.natural_gradient import zero_gradient_categorical, zero_gradient_gaussian

# ---- the bound -------------------------------------------------------------------------------


def _certify(value: Any, enclose: Any) -> Any:
    """The bound, with 2^-10 relative slack and a floor of 2^-prec (1 + max |value|): a bound tight to the
    last bit is useless to a reader who checks it against a recomputation with its own rounding."""
    with precision():
        tight = distance(value, enclose())
    return tight * (1 + mp.mpf(2) ** -10) + mp.mpf(2) ** -mp.prec * (1 + _max_abs(value))


def _max_abs(value: Any) -> Any:
    if isinstance(value, list):
        return max((_max_abs(v) for v in value), default=mp.zero)
    return abs(mp.mpf(value))


# ---- categorical -----------------------------------------------------------------------------


def _probabilities(theta: Sequence[Any]) -> list[Any]:
    shift = max(theta)  # exact; any shift gives the same p
    weights = [iv.exp(exact(t) - exact(shift)) for t in theta]
    total = isum(weights)
    return [w / total for w in weights]


def _log_partition(theta: Sequence[Any]) -> Any:
    shift = max(theta)
    return exact(shift) + iv.log(isum([iv.exp(exact(t) - exact(shift)) for t in theta]))


def _centred(f: Sequence[Any]) -> list[Any]:
    """f - mean(f), exactly when f is exact (Fractions), as intervals."""
    if all(isinstance(x, (int, Fraction)) for x in f):
        mean = sum((Fraction(x) for x in f), Fraction(0)) / len(f)
        return [exact(Fraction(x) - mean) for x in f]
    fv = exact_vec(f)
    mean = isum(fv) / len(fv)
    return [x - mean for x in fv]


def _gradient_categorical(theta: Sequence[Any], f: Sequence[Any]) -> list[Any]:
    p = _probabilities(theta)
    fv = exact_vec(f)
    J = isum([pi * fi for pi, fi in zip(p, fv, strict=True)])
    return [pi * (fi - J) for pi, fi in zip(p, fv, strict=True)]


def objective_categorical(theta: Sequence[Any], f: Sequence[Any], value: Any) -> Any:
    def enclose() -> Any:
        return isum([pi * fi for pi, fi in zip(_probabilities(theta), exact_vec(f), strict=True)])

    return _certify(value, enclose)


def score_categorical(theta: Sequence[Any], value: Any) -> Any:
    def enclose() -> Any:
        p = _probabilities(theta)
        k = len(p)
        return [[iv.mpf(1 if i == x else 0) - p[i] for i in range(k)] for x in range(k)]

    return _certify(value, enclose)


def gradient_categorical(theta: Sequence[Any], f: Sequence[Any], value: Any) -> Any:
    return _certify(value, lambda: _gradient_categorical(theta, f))


def fisher_categorical(theta: Sequence[Any], value: Any) -> Any:
    def enclose() -> Any:
        p = _probabilities(theta)
        k = len(p)
        return [[(p[i] if i == j else iv.mpf(0)) - p[i] * p[j] for j in range(k)] for i in range(k)]

    return _certify(value, enclose)


def kl_categorical(theta: Sequence[Any], theta_new: Sequence[Any], value: Any) -> Any:
    def enclose() -> Any:
        p = _probabilities(theta)
        za, zb = _log_partition(theta), _log_partition(theta_new)
        diffs = [(exact(a) - za) - (exact(b) - zb) for a, b in zip(theta, theta_new, strict=True)]
        return isum([pi * di for pi, di in zip(p, diffs, strict=True)])

    return _certify(value, enclose)


def natural_direction_categorical(theta: Sequence[Any], f: Sequence[Any], value: Any) -> Any:
    return _certify(value, lambda: _centred(f))


def natural_step_categorical(theta: Sequence[Any], f: Sequence[Any], alpha: Any, value: Any) -> Any:
    if zero_gradient_categorical(f):
        return mp.zero  # the reference returns exact zeros

    def enclose() -> Any:
        d = _centred(f)
        quad = isum([gi * di for gi, di in zip(_gradient_categorical(theta, f), d, strict=True)])
        scale = iv.sqrt(2 * exact(alpha) / quad)
        return [scale * di for di in d]

    return _certify(value, enclose)


# ---- diagonal Gaussian -----------------------------------------------------------------------


def _grad_mean(mean: Sequence[Any], b: Sequence[Any], H: Sequence[Sequence[Any]]) -> list[Any]:
    """b + (H + H^T) m."""
    n = len(mean)
    m = exact_vec(mean)
    h = [exact_vec(row) for row in H]
    return [exact(b[i]) + isum([(h[i][j] + h[j][i]) * m[j] for j in range(n)]) for i in range(n)]


def _variances(log_std: Sequence[Any]) -> list[Any]:
    return [iv.exp(2 * exact(s)) for s in log_std]


def _gradient_gaussian(
    mean: Sequence[Any], log_std: Sequence[Any], b: Sequence[Any], H: Sequence[Sequence[Any]]
) -> list[Any]:
    var = _variances(log_std)
    return _grad_mean(mean, b, H) + [2 * exact(H[i][i]) * var[i] for i in range(len(mean))]


def _direction_gaussian(
    mean: Sequence[Any], log_std: Sequence[Any], b: Sequence[Any], H: Sequence[Sequence[Any]]
) -> list[Any]:
    var = _variances(log_std)
    g = _grad_mean(mean, b, H)
    diagonal = [exact(H[i][i]) * var[i] for i in range(len(mean))]
    return [v * gi for v, gi in zip(var, g, strict=True)] + diagonal


def objective_gaussian(
    mean: Sequence[Any],
    log_std: Sequence[Any],
    c: Any,
    b: Sequence[Any],
    H: Sequence[Sequence[Any]],
    value: Any,
) -> Any:
    def enclose() -> Any:
        m = exact_vec(mean)
        n = len(m)
        quad = isum([exact(H[i][j]) * m[i] * m[j] for i in range(n) for j in range(n)])
        var = _variances(log_std)
        trace = isum([exact(H[i][i]) * var[i] for i in range(n)])
        return exact(c) + isum([exact(bi) * mi for bi, mi in zip(b, m, strict=True)]) + quad + trace

    return _certify(value, enclose)


def score_gaussian(mean: Sequence[Any], log_std: Sequence[Any], x: Sequence[Any], value: Any) -> Any:
    def enclose() -> Any:
        sigma = [iv.exp(exact(s)) for s in log_std]
        z = [(exact(xi) - exact(mi)) / si for xi, mi, si in zip(x, mean, sigma, strict=True)]
        return [zi / si for zi, si in zip(z, sigma, strict=True)] + [zi * zi - 1 for zi in z]

    return _certify(value, enclose)


def gradient_gaussian(
    mean: Sequence[Any],
    log_std: Sequence[Any],
    c: Any,
    b: Sequence[Any],
    H: Sequence[Sequence[Any]],
    value: Any,
) -> Any:
    return _certify(value, lambda: _gradient_gaussian(mean, log_std, b, H))


def fisher_gaussian(mean: Sequence[Any], log_std: Sequence[Any], value: Any) -> Any:
    def enclose() -> Any:
        n = len(log_std)
        diag = [iv.exp(-2 * exact(s)) for s in log_std] + [iv.mpf(2)] * n
        return [[diag[i] if i == j else iv.mpf(0) for j in range(2 * n)] for i in range(2 * n)]

    return _certify(value, enclose)


def kl_gaussian(
    mean: Sequence[Any],
    log_std: Sequence[Any],
    mean_new: Sequence[Any],
    log_std_new: Sequence[Any],
    value: Any,
) -> Any:
    def enclose() -> Any:
        terms = []
        for m, s, m2, s2 in zip(mean, log_std, mean_new, log_std_new, strict=True):
            si, s2i = exact(s), exact(s2)
            dm = exact(m) - exact(m2)
            terms.append(s2i - si + (iv.exp(2 * (si - s2i)) - 1) / 2 + dm * dm / (2 * iv.exp(2 * s2i)))
        return isum(terms)

    return _certify(value, enclose)


def natural_direction_gaussian(
    mean: Sequence[Any],
    log_std: Sequence[Any],
    c: Any,
    b: Sequence[Any],
    H: Sequence[Sequence[Any]],
    value: Any,
) -> Any:
    return _certify(value, lambda: _direction_gaussian(mean, log_std, b, H))


def natural_step_gaussian(
    mean: Sequence[Any],
    log_std: Sequence[Any],
    c: Any,
    b: Sequence[Any],
    H: Sequence[Sequence[Any]],
    alpha: Any,
    value: Any,
) -> Any:
    if zero_gradient_gaussian(mean, b, H):
        return mp.zero  # grad J = 0 exactly (the reference's exact test): the value is exact zeros

    def enclose() -> Any:
        g = _gradient_gaussian(mean, log_std, b, H)
        d = _direction_gaussian(mean, log_std, b, H)
        scale = iv.sqrt(2 * exact(alpha) / isum([gi * di for gi, di in zip(g, d, strict=True)]))
        return [scale * di for di in d]

    return _certify(value, enclose)
