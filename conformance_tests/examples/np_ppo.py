"""Float64 numpy example implementation: Proximal Policy Optimization (PPO).

Tabular forms take theta (= theta_t, the data-collecting policy) and theta_new; the batch forms
take new/old log-probabilities and advantages, as PPO libraries do. At the kinks r = 1 +- eps
the unclipped branch is used (closed interval), as torch.min + torch.clamp do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
Scalar = float | np.floating[Any] | F64  # a Python float or a 0-d array


def _log_softmax(theta: F64) -> F64:
    z = theta - np.max(theta, axis=-1, keepdims=True)
    out: F64 = z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))
    return out


def _softmax(theta: F64) -> F64:
    return np.exp(_log_softmax(theta))


def _visitation_and_advantage(P: F64, R: F64, gamma: Scalar, mu: F64, theta: F64) -> tuple[F64, F64]:
    """d_mu^{pi_t} [S] and A^{pi_t} [S][A] by two linear solves."""
    g = float(gamma)
    pi = _softmax(theta)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_sa = np.einsum("sat,sat->sa", P, R)
    eye = np.eye(P.shape[0])
    v = np.linalg.solve(eye - g * p_pi, np.sum(pi * r_sa, axis=1))
    q = r_sa + g * np.einsum("sat,t->sa", P, v)
    d = np.linalg.solve(eye - g * p_pi.T, (1.0 - g) * mu)
    return d, q - v[:, None]


def _ratio(theta: F64, theta_new: F64) -> F64:
    return np.exp(_log_softmax(np.asarray(theta_new, dtype=np.float64)) - _log_softmax(theta))


def _active(r: F64, adv: F64, epsilon: Scalar) -> NDArray[np.bool_]:
    """True where the unclipped branch of min(r A, clip(r) A) is selected (closed interval)."""
    eps = float(epsilon)
    return ~(((r > 1.0 + eps) & (adv > 0)) | ((r < 1.0 - eps) & (adv < 0)))


def ppo_ratio(theta: F64, theta_new: F64) -> F64:
    return _ratio(theta, theta_new)


def ppo_surrogate(P: F64, R: F64, gamma: Scalar, mu: F64, theta: F64, theta_new: F64) -> float:
    d, adv = _visitation_and_advantage(P, R, gamma, mu, theta)
    weights = d[:, None] * _softmax(theta)
    return float(np.sum(weights * _ratio(theta, theta_new) * adv))


def ppo_clip_objective(
    P: F64, R: F64, gamma: Scalar, mu: F64, theta: F64, theta_new: F64, epsilon: Scalar
) -> float:
    eps = float(epsilon)
    d, adv = _visitation_and_advantage(P, R, gamma, mu, theta)
    weights = d[:, None] * _softmax(theta)
    r = _ratio(theta, theta_new)
    return float(np.sum(weights * np.minimum(r * adv, np.clip(r, 1.0 - eps, 1.0 + eps) * adv)))


def ppo_clip_gradient(
    P: F64, R: F64, gamma: Scalar, mu: F64, theta: F64, theta_new: F64, epsilon: Scalar
) -> F64:
    d, adv = _visitation_and_advantage(P, R, gamma, mu, theta)
    r = _ratio(theta, theta_new)
    pi_new = _softmax(theta_new)
    g = np.where(_active(r, adv, epsilon), adv, 0.0)
    mean = np.sum(pi_new * g, axis=1, keepdims=True)
    out: F64 = d[:, None] * pi_new * (g - mean)
    return out


def ppo_clip_objective_batch(logp_new: F64, logp_old: F64, adv: F64, epsilon: Scalar) -> float:
    eps = float(epsilon)
    r = np.exp(np.asarray(logp_new) - np.asarray(logp_old))
    return float(np.mean(np.minimum(r * adv, np.clip(r, 1.0 - eps, 1.0 + eps) * adv)))


def ppo_clip_gradient_batch(logp_new: F64, logp_old: F64, adv: F64, epsilon: Scalar) -> F64:
    r = np.exp(np.asarray(logp_new) - np.asarray(logp_old))
    out: F64 = np.where(_active(r, adv, epsilon), r * adv, 0.0) / np.size(adv)
    return out
