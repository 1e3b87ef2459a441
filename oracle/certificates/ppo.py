"""Certified error bounds for the PPO section (oracle.evaluate calls these inside mp.workdps(2 * work)).

Every PPO value is a finite expression in the exact inputs, d = d_mu^{pi_t} and A = A^{pi_t}.
The bounds enclose the true value in an interval computed with mpmath's interval arithmetic
(`mpmath.iv`, outward rounding) at the certificate's precision: the inputs enter as exact
intervals, d and A as [d^ - e_d, d^ + e_d] and [Q^ - V^ - e_Q - e_V, Q^ - V^ + e_Q + e_V] with
the core's certified bounds (oracle.certificates.mdp: contraction residuals), the clip and the
min act on interval endpoints (both are monotone), and where the branch of the min cannot be
decided on the intervals (a ratio within the enclosure's width of a kink) the gradient's slope
is enclosed by the hull of both branches. The bound on |true - value| is the largest distance
from the computed value to an end of the enclosure, rounded up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpmath import iv, mp

from rlspec.oracle.certificates import mdp as core
from rlspec.oracle.certificates.intervals import Interval, distance, exact, isum, precision
from rlspec.reference import mdp

# tests/reference/test_ppo.py enters the certificate's precision under this name
_interval_precision = precision


def _within(center: Any, radius: Any) -> Interval:
    """[center - radius, center + radius], outward."""
    r = abs(mp.mpf(radius))
    return iv.mpf(center) + iv.mpf([-r, r])


def _lo(x: Interval) -> Any:
    return mp.mpf(x.a)


def _hi(x: Interval) -> Any:
    return mp.mpf(x.b)


def _hull(x: Interval, y: Interval) -> Interval:
    return iv.mpf([min(_lo(x), _lo(y)), max(_hi(x), _hi(y))])


def _min(x: Interval, y: Interval) -> Interval:
    """{min(a, b): a in x, b in y} (min is monotone in each argument)."""
    return iv.mpf([min(_lo(x), _lo(y)), min(_hi(x), _hi(y))])


def _clip(x: Interval, low: Interval, high: Interval) -> Interval:
    """clip(x, low, high) = min(max(x, low), high), monotone in every argument."""
    return iv.mpf([min(max(_lo(x), _lo(low)), _lo(high)), min(max(_hi(x), _hi(low)), _hi(high))])


def _softmax(row: Sequence[Any]) -> list[Interval]:
    weights = [iv.exp(exact(t)) for t in row]
    total = isum(weights)
    return [w / total for w in weights]


def _ratio(theta: Any, theta_new: Any) -> list[list[Interval]]:
    """pi_new(a|s) / pi_t(a|s) = exp(theta_new - theta) * sum_b e^theta / sum_b e^theta_new."""
    out = []
    for old, new in zip(theta, theta_new, strict=True):
        z_old = isum([iv.exp(exact(t)) for t in old])
        z_new = isum([iv.exp(exact(t)) for t in new])
        out.append([iv.exp(exact(n) - exact(o)) * z_old / z_new for o, n in zip(old, new, strict=True)])
    return out


def _visitation_and_advantage(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> tuple[list[Interval], Any]:
    """Enclosures of d_mu^{pi_t} and A^{pi_t} from the core's certified V, Q and d."""
    d_hat = mdp.visitation(P, gamma, mu, theta)
    e_d = core.visitation_l1(P, gamma, mu, theta, value=d_hat)
    v_hat = mdp.v(P, R, gamma, theta)
    e_v = core.v(P, R, gamma, theta, value=v_hat)
    q_hat = mdp.q(P, R, gamma, theta)
    e_q = core.q(P, R, gamma, theta, value=q_hat)
    d = [_within(x, e_d) for x in d_hat]
    adv = [
        [iv.mpf(q) - iv.mpf(v_hat[s]) + iv.mpf([-(e_v + e_q), e_v + e_q]) for q in row]
        for s, row in enumerate(q_hat)
    ]
    return d, adv


def _slope(r: Interval, adv: Interval, eps: Interval) -> Interval:
    """Encloses g = A where the unclipped branch is selected (closed interval), else 0."""
    low, high = 1 - eps, 1 + eps
    surely_clipped = (_lo(r) > _hi(high) and _lo(adv) > 0) or (_hi(r) < _lo(low) and _hi(adv) < 0)
    maybe_clipped = (_hi(r) > _lo(high) and _hi(adv) > 0) or (_lo(r) < _hi(low) and _lo(adv) < 0)
    if surely_clipped:
        return iv.mpf(0)
    if not maybe_clipped:
        return adv
    return _hull(iv.mpf(0), adv)


def _term(r: Interval, adv: Interval, eps: Interval) -> Interval:
    return _min(r * adv, _clip(r, 1 - eps, 1 + eps) * adv)


# ---- certificates -------------------------------------------------------------------------------


def ratio(theta: Any, theta_new: Any, *, value: Any) -> Any:
    """ppo.ratio: interval evaluation of exp(theta_new - theta) Z_t / Z_new."""
    with precision():
        return distance(value, _ratio(theta, theta_new))


def surrogate(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any, *, value: Any) -> Any:
    """ppo.surrogate = sum_s d(s) sum_a pi_new(a|s) A(s,a), d and A certified."""
    with precision():
        d, adv = _visitation_and_advantage(P, R, gamma, mu, theta)
        pi_new = [_softmax(row) for row in theta_new]
        total = isum([d[s] * p * adv[s][a] for s in range(len(d)) for a, p in enumerate(pi_new[s])])
        return distance(value, total)


def clip_objective(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any, epsilon: Any, *, value: Any
) -> Any:
    """ppo.clip_objective = sum d pi_t min(r A, clip(r) A), by intervals."""
    with precision():
        d, adv = _visitation_and_advantage(P, R, gamma, mu, theta)
        pi = [_softmax(row) for row in theta]
        r = _ratio(theta, theta_new)
        eps = exact(epsilon)
        total = isum(
            [d[s] * p * _term(r[s][a], adv[s][a], eps) for s in range(len(d)) for a, p in enumerate(pi[s])]
        )
        return distance(value, total)


def clip_gradient(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any, epsilon: Any, *, value: Any
) -> Any:
    """ppo.clip_gradient = d(s) pi_new(b|s) (g(s,b) - sum_a pi_new(a|s) g(s,a)), by intervals."""
    with precision():
        d, adv = _visitation_and_advantage(P, R, gamma, mu, theta)
        pi_new = [_softmax(row) for row in theta_new]
        r = _ratio(theta, theta_new)
        eps = exact(epsilon)
        enclosure = []
        for s in range(len(d)):
            g = [_slope(r[s][a], adv[s][a], eps) for a in range(len(adv[s]))]
            mean = isum([p * x for p, x in zip(pi_new[s], g, strict=True)])
            enclosure.append([d[s] * pi_new[s][b] * (g[b] - mean) for b in range(len(g))])
        return distance(value, enclosure)


def _batch(logp_new: Any, logp_old: Any, adv: Any) -> tuple[list[Interval], list[Interval]]:
    r = [iv.exp(exact(n) - exact(o)) for n, o in zip(logp_new, logp_old, strict=True)]
    return r, [exact(a) for a in adv]


def clip_objective_batch(logp_new: Any, logp_old: Any, adv: Any, epsilon: Any, *, value: Any) -> Any:
    """ppo.clip_objective_batch: (1/N) sum_i min(r_i A_i, clip(r_i) A_i), by intervals."""
    with precision():
        r, a = _batch(logp_new, logp_old, adv)
        eps = exact(epsilon)
        return distance(value, isum([_term(ri, ai, eps) for ri, ai in zip(r, a, strict=True)]) / len(a))


def clip_gradient_batch(logp_new: Any, logp_old: Any, adv: Any, epsilon: Any, *, value: Any) -> Any:
    """ppo.clip_gradient_batch: r_i g_i / N with g_i enclosed as in clip_gradient."""
    with precision():
        r, a = _batch(logp_new, logp_old, adv)
        eps = exact(epsilon)
        return distance(value, [ri * _slope(ri, ai, eps) / len(a) for ri, ai in zip(r, a, strict=True)])
