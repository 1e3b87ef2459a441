"""Certified error bounds for the entropy-regularized values (soft.v_pi, soft.q_pi, soft.objective,
soft.v_star, soft.q_star, soft.policy_star).

Called inside `mp.workdps(2 * working_dps)` as `certify(*args, value=value)`. Each operator
(T_lambda^pi, F_lambda^pi, T_lambda, F_lambda) is a gamma-contraction in the sup norm, so for a
computed fixed point x~ of such an operator T: ||x - x~|| <= ||T x~ - x~|| / (1 - gamma). The
residual is evaluated here, at twice the working precision; `_floor` adds a generous allowance for
the rounding of that evaluation itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from mpmath import mp

from rlspec.reference import entropy
from rlspec.reference.numbers import Binary64Array, Real, dot, to_mpf, vec

RealMat = Sequence[Sequence[Real]]
RealTensor3 = Sequence[Sequence[Sequence[Real]]]


def _largest(x: Any) -> Any:
    """max |entry| of a (nested) value; of a Binary64Array from its floats (exactly)."""
    if isinstance(x, Binary64Array):
        return to_mpf(Fraction(float(np.max(np.abs(x.floats)))))
    if isinstance(x, (list, tuple)):
        return max((_largest(v) for v in x), default=mp.zero)
    return abs(to_mpf(x))


def _floor(*values: Any) -> Any:
    """An allowance for rounding at the current precision: 2^(20 - prec) times the magnitudes."""
    size = 1 + sum(_largest(v) for v in values)
    return mp.ldexp(size, 20 - mp.prec)


def _contraction_bound(residual: Any, gamma: Real) -> Any:
    return residual / (1 - to_mpf(gamma))


def _policy_residual_bound(image: Any, value: Any, R: Any, gamma: Real, theta: RealMat, lam: Real) -> Any:
    """(||image - value|| + slack) / (1 - gamma) for the image of value under the gamma-contraction
    of the policy theta (T_lambda^pi or F_lambda^pi), slack = _floor times 1 + max |theta|."""
    slack = _floor(image, value, R, lam) * (1 + _largest(theta))
    return _contraction_bound(entropy.sup_distance(image, value) + slack, gamma)


def v_pi(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat, lam: Real, *, value: Any) -> Any:
    """||V_lambda^pi - V~|| <= ||T_lambda^pi V~ - V~|| / (1 - gamma)."""
    return _policy_residual_bound(entropy.t_pi(P, R, gamma, theta, lam, value), value, R, gamma, theta, lam)


def q_pi(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat, lam: Real, *, value: Any) -> Any:
    """||Q_lambda^pi - Q~|| <= ||F_lambda^pi Q~ - Q~|| / (1 - gamma)."""
    return _policy_residual_bound(entropy.f_pi(P, R, gamma, theta, lam, value), value, R, gamma, theta, lam)


def objective(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, lam: Real, *, value: Any
) -> Any:
    """|mu . V - v~| <= |mu . V~ - v~| + ||V - V~|| (mu is a distribution), V~ recomputed here and
    certified by the T_lambda^pi residual."""
    values = entropy.v_pi(P, R, gamma, theta, lam)
    bound = v_pi(P, R, gamma, theta, lam, value=values)
    return abs(dot(vec(mu), values) - to_mpf(value)) + bound + _floor(values)


def v_star(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real, *, value: Any) -> Any:
    """||V_lambda^* - V~|| <= ||T_lambda V~ - V~|| / (1 - gamma)."""
    image = entropy.t_opt(P, R, gamma, lam, value)
    return _contraction_bound(entropy.sup_distance(image, value) + _floor(image, value, R, lam), gamma)


def q_star(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real, *, value: Any) -> Any:
    """||Q_lambda^* - Q~|| <= ||F_lambda Q~ - Q~|| / (1 - gamma)."""
    image = entropy.f_opt(P, R, gamma, lam, value)
    return _contraction_bound(entropy.sup_distance(image, value) + _floor(image, value, R, lam), gamma)


def policy_star(P: RealTensor3, R: RealTensor3, gamma: Real, lam: Real, *, value: Any) -> Any:
    """A bound per entry: |pi*_a - pi~_a| <= |pi*_a - pi'_a| + |pi'_a - pi~_a| with pi' =
    softmax(Q'/lam), Q' = Q* recomputed here and certified by q_star (||Q* - Q'|| <= e). For
    logits off by at most d = e / lam, softmax(z)_a / softmax(z')_a = exp(z_a - z'_a)
    sum_b exp(z'_b) / sum_b exp(z_b) lies in [e^-2d, e^2d], so |pi*_a - pi'_a| <= pi'_a
    expm1(2d): relative, however small pi'_a is. pi' itself is computed with a relative error
    below 2^(20 - prec) (1 + max |Q'| / lam) (the logits are rounded relative to their size)."""
    q_ = entropy.q_star(P, R, gamma, lam)
    q_bound = q_star(P, R, gamma, lam, value=q_)
    recomputed = entropy.greedy_policy(q_, lam)
    relative = mp.expm1(2 * q_bound / to_mpf(lam)) + _floor() * (1 + _largest(q_) / to_mpf(lam))
    slack = 1 + mp.ldexp(1, 10 - mp.prec)
    return [
        [(abs(p - to_mpf(v)) + p * relative) * slack for p, v in zip(p_row, v_row, strict=True)]
        for p_row, v_row in zip(recomputed, value, strict=True)
    ]
