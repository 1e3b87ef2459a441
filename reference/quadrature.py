"""The one-dimensional Gaussian expectations of the tanh-squashed SAC forms, enclosed rigorously.

For u = mean + std * eps, eps ~ N(0, 1), t = tanh(u), sech2 = 1 - t^2:
  objective: E[t], E[t^2], E[log(1 - t^2)];
  gradient:  E[t], E[sech2], E[t sech2], E[eps t], E[eps sech2], E[eps t sech2].

Each integrand f is split at u = 0 as f = A + r. The part A is elementary (sign(u) for t,
2 log 2 - 2|u| for log(1 - t^2), 0 otherwise) and its expectation has a closed form (erf, the
Gaussian density). On each side sigma = sign(u) the rest is analytic and decays like
x = exp(-2 sigma u): t - sigma = -2 sigma x / (1 + x), sech2 = 4 x / (1 + x)^2,
log(1 - t^2) - A = -2 log(1 + x). Its integral is arb's rigorous adaptive Gauss-Legendre
(python-flint, `acb.integral`) over |u| <= U and |eps| <= L, the rest bounded analytically:
|r| <= 4 x <= 4 exp(-2 U) for |u| > U and |r| <= 2 beyond |eps| = L, so the truncated
integrals (with a factor |eps| for eps t sech2) add at most 2 exp(-L^2/2) + 4 L exp(-2 U).
The integration variable is eps when std <= 1 (the poles of tanh at least pi/2 away) and u
otherwise (the weight N(u; mean, std^2) is then smooth on the scale of the poles' distance).
E[eps g(u)] = std E[g'(u)] (Stein's identity) gives E[eps t] = std E[sech2] and
E[eps sech2] = -2 std E[t sech2] without a further integral.

The results are arb balls containing the exact expectations; the mpf values returned are their
midpoints, whose error is checked to be below the working precision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from flint import acb, arb, ctx
from mpmath import mp

GUARD_BITS = 24

Side = Callable[[Any, Any, Any, int, bool], list[Any]]


class QuadratureError(ArithmeticError):
    """The enclosure of an expectation is not tight to the working precision."""


@contextmanager
def _arb_precision(prec: int) -> Iterator[None]:
    """python-flint's working precision set to `prec` bits, restored afterwards."""
    saved = ctx.prec
    ctx.prec = prec
    try:
        yield
    finally:
        ctx.prec = saved


def exact_arb(x: Any) -> Any:
    """An mpf (or int) as an exact arb."""
    sign, man, exp, _ = mp.mpf(x)._mpf_
    value = arb(int(man)) * arb(2) ** int(exp) if man else arb(0)
    return -value if sign else value


def to_mpf(x: Any) -> Any:
    """The midpoint of an arb as an mpf, rounded once to the current precision."""
    man, exp = x.mid().man_exp()
    return mp.mpf((int(man), int(exp)))


def objective_moments(mean: Any, log_std: Any) -> tuple[Any, Any, Any]:
    """(E[t], E[t^2], E[log(1 - t^2)]) at the working precision (mpf)."""
    e_t, e_t2, e_log = _midpoints(objective_balls(mean, log_std))
    return e_t, e_t2, e_log


def gradient_moments(mean: Any, log_std: Any) -> tuple[Any, ...]:
    """(E[t], E[sech2], E[t sech2], E[eps t], E[eps sech2], E[eps t sech2]) (mpf)."""
    return _midpoints(gradient_balls(mean, log_std))


def objective_balls(mean: Any, log_std: Any) -> tuple[Any, ...]:
    """Enclosures (arb) of (E[t], E[t^2], E[log(1 - t^2)]), at the working precision."""
    m, ls, prec = mp.mpf(mean), mp.mpf(log_std), mp.prec
    e_t, e_sech2 = _tanh_sech2(m, ls, prec)
    (e_log,) = _log_sech2(m, ls, prec)
    with _arb_precision(prec + GUARD_BITS):
        return e_t, 1 - e_sech2, e_log


def gradient_balls(mean: Any, log_std: Any) -> tuple[Any, ...]:
    """Enclosures (arb) of (E[t], E[sech2], E[t sech2], E[eps t], E[eps sech2], E[eps t sech2])."""
    m, ls, prec = mp.mpf(mean), mp.mpf(log_std), mp.prec
    e_t, e_sech2 = _tanh_sech2(m, ls, prec)
    e_t_sech2, e_eps_t_sech2 = _t_sech2(m, ls, prec)
    with _arb_precision(prec + GUARD_BITS):
        std = exact_arb(ls).exp()
        return e_t, e_sech2, e_t_sech2, std * e_sech2, -2 * std * e_t_sech2, e_eps_t_sech2


def _midpoints(balls: tuple[Any, ...]) -> tuple[Any, ...]:
    """The midpoints as mpf, after checking every radius is below 2^-prec (at least 1)."""
    with _arb_precision(mp.prec + GUARD_BITS):
        for ball in balls:
            if not ball.is_finite() or ball.rad() > arb(2) ** (-mp.prec) * max(abs(ball.mid()), arb(1)):
                message = f"Gaussian expectation enclosed only to {ball.rad().str(3)} at {mp.prec} bits"
                raise QuadratureError(message)
    return tuple(to_mpf(b) for b in balls)


# ---- the integrals ---------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _tanh_sech2(mean: Any, log_std: Any, prec: int) -> tuple[Any, Any]:
    """Enclosures of E[t] and E[sech2]."""
    with _arb_precision(prec + GUARD_BITS):
        g = _Gaussian(mean, log_std, prec)
        r_t, r_sech2 = g.integrate(_t_and_sech2_side, 2)
        return g.sign + r_t, r_sech2


@lru_cache(maxsize=4096)
def _log_sech2(mean: Any, log_std: Any, prec: int) -> tuple[Any]:
    """An enclosure of E[log(1 - t^2)]."""
    with _arb_precision(prec + GUARD_BITS):
        g = _Gaussian(mean, log_std, prec)
        (r_log,) = g.integrate(_log_side, 1)
        return (2 * arb.const_log2() - 2 * g.sigma_u + r_log,)


@lru_cache(maxsize=4096)
def _t_sech2(mean: Any, log_std: Any, prec: int) -> tuple[Any, Any]:
    """Enclosures of E[t sech2] and E[eps t sech2]."""
    with _arb_precision(prec + GUARD_BITS):
        return _Gaussian(mean, log_std, prec).integrate(_t_sech2_side, 2)  # type: ignore[return-value]


def _t_and_sech2_side(u: Any, eps: Any, weight: Any, sigma: int, analytic: bool) -> list[Any]:
    """t - sigma and sech2 on the side sign(u) = sigma, times the Gaussian weight."""
    x = (-2 * sigma * u).exp()
    y = 1 + x
    return [-2 * sigma * x * weight / y, 4 * x * weight / (y * y)]


def _log_side(u: Any, eps: Any, weight: Any, sigma: int, analytic: bool) -> list[Any]:
    """log(1 - t^2) - (2 log 2 - 2 |u|) = -2 log(1 + x) on the side sign(u) = sigma."""
    x = (-2 * sigma * u).exp()
    return [-2 * (1 + x).log(analytic=analytic) * weight]


def _t_sech2_side(u: Any, eps: Any, weight: Any, sigma: int, analytic: bool) -> list[Any]:
    """t sech2 and eps t sech2 on the side sign(u) = sigma."""
    x = (-2 * sigma * u).exp()
    y = 1 + x
    value = sigma * (1 - x) * 4 * x * weight / (y * y * y)
    return [value, eps * value]


class _Gaussian:
    """u = mean + std eps at `prec` bits: the integration ranges, the truncation bound and the
    expectations of sign(u) and |u| (arb, at the caller's python-flint precision)."""

    def __init__(self, mean: Any, log_std: Any, prec: int) -> None:
        self.prec = prec
        self.mean = exact_arb(mean)
        self.std = exact_arb(log_std).exp()
        self.in_u = log_std > 0
        # the truncation bound (both below 2^-(prec+8), relative to 1/std in u)
        self.L = arb(int(mp.ceil(mp.sqrt(2 * (prec + 24) * mp.log(2)))))
        self.U = arb(int(mp.ceil((prec + 16) * mp.log(2) / 2)))
        small_eps, small_u = (-(self.L**2) / 2).exp(), (-2 * self.U).exp()
        if self.in_u:
            self.tail = (4 * self.U * self.L * small_eps + 2 * small_u) / self.std
        else:
            self.tail = 2 * small_eps + 4 * self.L * small_u
        # the sides meet at eps = z: -mean/std in u, its midpoint (exact) in eps, where
        # sign(u) is sigma = sign(eps - z) (r stays analytic across the sliver in between).
        # E[sigma] = -erf(z / sqrt 2), E[sigma u] = mean E[sigma] + 2 std phi(z).
        self.split = arb(0) if self.in_u else (-self.mean / self.std).mid()
        z = -self.mean / self.std if self.in_u else self.split
        self.sign = -(z / arb(2).sqrt()).erf()
        density = (-(z * z) / 2).exp() / (2 * arb.pi()).sqrt()
        self.sigma_u = self.mean * self.sign + 2 * self.std * density

    def ranges(self) -> list[tuple[int, Any, Any]]:
        """(sigma, lo, hi) in the integration variable (u or eps), exact endpoints, covering
        {sign(u) = sigma, |u| <= U, |eps| <= L}."""
        m, s, big_l, big_u = self.mean, self.std, self.L, self.U
        if self.in_u:
            lo, hi = max((m - big_l * s).lower(), -big_u), min((m + big_l * s).upper(), big_u)
        else:
            lo, hi = max(((-big_u - m) / s).lower(), -big_l), min(((big_u - m) / s).upper(), big_l)
        split = self.split
        return [(-1, lo, min(hi, split)), (1, max(lo, split), hi)]

    def integrate(self, side: Side, count: int) -> list[Any]:
        """E[r(u)] for the `count` (<= 2) remainders `side` computes, packed as the real and
        imaginary parts of one analytic integrand, plus the truncation bound."""
        totals = [arb(0)] * count
        m, s = self.mean, self.std
        tol = arb(2) ** (-self.prec - 8)
        for sigma, lo, hi in self.ranges():
            if not lo < hi:
                continue

            def f(v: Any, analytic: bool, sigma: int = sigma) -> Any:
                if self.in_u:
                    u, eps = v, (v - m) / s
                else:
                    u, eps = m + s * v, v
                parts = side(u, eps, (-(eps * eps) / 2).exp(), sigma, analytic)
                return parts[0] + acb(0, 1) * parts[1] if count == 2 else parts[0]

            value = acb.integral(f, lo, hi, rel_tol=tol, abs_tol=tol)
            totals = [total + part for total, part in zip(totals, (value.real, value.imag), strict=False)]
        scale = 1 / (2 * arb.pi()).sqrt() / (s if self.in_u else 1)
        return [x * scale + arb(0, self.tail) for x in totals]
