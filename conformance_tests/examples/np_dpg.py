"""Example float64 implementation of the DPG section (lqr and fsca families) and DDPG's batch forms."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


# ---- LQR ----------------------------------------------------------------------------------------


def _lyapunov(M: Array, Y: Array, gamma: float, dual: bool = False) -> Array:
    """X = Y + gamma M^T X M (dual: X = Y + gamma M X M^T), by the vectorized linear solve."""
    n = M.shape[0]
    op = np.kron(M, M) if dual else np.kron(M.T, M.T)
    x = np.linalg.solve(np.eye(n * n) - gamma * op, Y.reshape(-1))
    X = x.reshape(n, n)
    return (X + X.T) / 2


def _p(gamma: Array, A: Array, B: Array, Q: Array, R: Array, K: Array) -> Array:
    M = A + B @ K
    return _lyapunov(M, Q + K.T @ R @ K, float(gamma))


def lqr_value(
    gamma: Array, A: Array, B: Array, Q: Array, R: Array, W: Array, Sigma0: Array, K: Array
) -> float:
    g = float(gamma)
    P = _p(gamma, A, B, Q, R, K)
    return float(-(np.trace(P @ Sigma0) + g / (1 - g) * np.trace(P @ W)))


def lqr_q(
    gamma: Array, A: Array, B: Array, Q: Array, R: Array, W: Array, K: Array, s: Array, a: Array
) -> float:
    g = float(gamma)
    P = _p(gamma, A, B, Q, R, K)
    y = A @ s + B @ a
    return float(-(s @ Q @ s + a @ R @ a) - g * (y @ P @ y + np.trace(P @ W) / (1 - g)))


def lqr_visitation(gamma: Array, A: Array, B: Array, W: Array, Sigma0: Array, K: Array) -> Array:
    g = float(gamma)
    return _lyapunov(A + B @ K, (1 - g) * Sigma0 + g * W, g, dual=True)


def dpg_gradient(
    gamma: Array, A: Array, B: Array, Q: Array, R: Array, W: Array, Sigma0: Array, K: Array
) -> Array:
    g = float(gamma)
    P = _p(gamma, A, B, Q, R, K)
    E = R @ K + g * B.T @ P @ (A + B @ K)
    return -2.0 / (1 - g) * E @ lqr_visitation(gamma, A, B, W, Sigma0, K)


# ---- fsca -----------------------------------------------------------------------------------------


def _transition(L: Array, G: Array, actions: Array) -> Array:
    """P[s][s'] = softmax_s'(L[s][s'] + G[s][s'] . actions[s])."""
    logits = L + np.einsum("stm,sm->st", G, actions)
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    return np.asarray(w / w.sum(axis=1, keepdims=True), dtype=np.float64)


def _reward(c: Array, h: Array, H: Array, actions: Array) -> Array:
    """r[s][s'] = c[s][s'] + h[s][s'] . actions[s] - actions[s]^T H[s] actions[s]."""
    quad = np.einsum("si,sij,sj->s", actions, H, actions)
    return np.asarray(c + np.einsum("stm,sm->st", h, actions) - quad[:, None], dtype=np.float64)


def fsca_v(gamma: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array) -> Array:
    g = float(gamma)
    P = _transition(L, G, theta)
    r = (P * _reward(c, h, H, theta)).sum(axis=1)
    return np.asarray(np.linalg.solve(np.eye(len(r)) - g * P, r), dtype=np.float64)


def fsca_value(
    gamma: Array, mu: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array
) -> float:
    return float(mu @ fsca_v(gamma, L, G, c, h, H, theta))


def fsca_q(gamma: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array, a: Array) -> Array:
    V = fsca_v(gamma, L, G, c, h, H, theta)
    P = _transition(L, G, a)
    return np.asarray((P * (_reward(c, h, H, a) + float(gamma) * V[None, :])).sum(axis=1), dtype=np.float64)


def fsca_visitation(gamma: Array, mu: Array, L: Array, G: Array, theta: Array) -> Array:
    g = float(gamma)
    P = _transition(L, G, theta)
    return np.asarray(np.linalg.solve(np.eye(len(mu)) - g * P.T, (1 - g) * mu), dtype=np.float64)


def fsca_gradient(
    gamma: Array, mu: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array
) -> Array:
    g = float(gamma)
    V = fsca_v(gamma, L, G, c, h, H, theta)
    d = fsca_visitation(gamma, mu, L, G, theta)
    P = _transition(L, G, theta)
    r = _reward(c, h, H, theta)
    target = r + g * V[None, :]  # r(s, a, s') + gamma V(s')
    mean_G = np.einsum("st,stm->sm", P, G)
    dP = P[:, :, None] * (G - mean_G[:, None, :])  # grad_a P(s'|s, a)
    dr = h - np.einsum("sij,sj->si", H + np.transpose(H, (0, 2, 1)), theta)[:, None, :]
    grad_q = np.einsum("stm,st->sm", dP, target) + np.einsum("st,stm->sm", P, dr)
    return np.asarray(d[:, None] / (1 - g) * grad_q, dtype=np.float64)


# ---- DDPG batch forms -----------------------------------------------------------------------------


def ddpg_critic_target(r: Array, done: Array, gamma: Array, q_next: Array) -> Array:
    return r + float(gamma) * (1.0 - done) * q_next


def ddpg_critic_target_timeouts(
    r: Array, terminated: Array, truncated: Array, gamma: Array, q_next: Array
) -> Array:
    return r + float(gamma) * (1.0 - terminated) * q_next


def ddpg_critic_loss(q: Array, y: Array) -> float:
    return float(np.mean((q - y) ** 2))


def ddpg_actor_objective(q_pi: Array) -> float:
    return float(np.mean(q_pi))


def ddpg_soft_update(theta: Array, theta_target: Array, tau: Array) -> Array:
    t = float(tau)
    return t * theta + (1.0 - t) * theta_target
