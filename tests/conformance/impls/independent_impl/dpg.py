"""lqr.*, dpg.gradient, fsca.*, ddpg.*: Lyapunov equations by Smith's doubling iteration."""

from __future__ import annotations

import numpy as np

from .numerics import Array, discounted_series, lu_solve_system


def smith_doubling(F: Array, C: Array) -> Array:
    """X = sum_k F^k C (F^T)^k (the solution of X = C + F X F^T) by doubling: X <- X + F X F^T,
    F <- F F, until F^(2^k) no longer changes X."""
    X = np.array(C, dtype=np.float64)
    F = np.array(F, dtype=np.float64)
    for _ in range(200):
        update = F @ X @ F.T
        X_next = X + update
        F = F @ F
        if np.array_equal(X_next, X) or not np.any(F):
            return X_next
        X = X_next
    return X


def lqr_closed_loop(gamma: float, A: Array, B: Array, K: Array) -> Array:
    return A + B @ K


def lqr_p(gamma: float, A: Array, B: Array, Q: Array, R: Array, K: Array) -> Array:
    """P_K = Q + K^T R K + gamma M^T P_K M, M = A + B K."""
    M = lqr_closed_loop(gamma, A, B, K)
    P = smith_doubling(np.sqrt(gamma) * M.T, Q + K.T @ R @ K)
    return (P + P.T) / 2.0


def lqr_value(
    gamma: float, A: Array, B: Array, Q: Array, R: Array, W: Array, Sigma0: Array, K: Array
) -> float:
    P = lqr_p(gamma, A, B, Q, R, K)
    return -float(np.sum(P * Sigma0) + gamma / (1.0 - gamma) * np.sum(P * W))


def lqr_q(
    gamma: float, A: Array, B: Array, Q: Array, R: Array, W: Array, K: Array, s: Array, a: Array
) -> float:
    P = lqr_p(gamma, A, B, Q, R, K)
    nxt = A @ s + B @ a
    future = nxt @ P @ nxt + np.sum(P * W) / (1.0 - gamma)
    return -float(s @ Q @ s + a @ R @ a + gamma * future)


def lqr_visitation_matrix(gamma: float, A: Array, B: Array, W: Array, Sigma0: Array, K: Array) -> Array:
    M = lqr_closed_loop(gamma, A, B, K)
    X = smith_doubling(np.sqrt(gamma) * M, (1.0 - gamma) * Sigma0 + gamma * W)
    return (X + X.T) / 2.0


def lqr_visitation(gamma: float, A: Array, B: Array, W: Array, Sigma0: Array, K: Array) -> Array:
    return lqr_visitation_matrix(gamma, A, B, W, Sigma0, K)


def dpg_gradient(
    gamma: float, A: Array, B: Array, Q: Array, R: Array, W: Array, Sigma0: Array, K: Array
) -> Array:
    """1/(1-gamma) E_d[grad_a Q(s, K s) s^T], grad_a Q(s, Ks) = -2 (R K + gamma B^T P M) s."""
    P = lqr_p(gamma, A, B, Q, R, K)
    M = lqr_closed_loop(gamma, A, B, K)
    E = R @ K + gamma * B.T @ P @ M
    Sigma = lqr_visitation_matrix(gamma, A, B, W, Sigma0, K)
    return -2.0 / (1.0 - gamma) * E @ Sigma


# ---- finite states, continuous actions --------------------------------------------------------


def fsca_transition(L: Array, G: Array, actions: Array) -> Array:
    """P[s][s'] = softmax_s'(L[s][s'] + G[s][s'] . actions[s])."""
    logits = L + np.einsum("stm,sm->st", G, actions)
    z = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    return z / np.sum(z, axis=1, keepdims=True)


def fsca_reward(c: Array, h: Array, H: Array, actions: Array) -> Array:
    """r[s][s'] = c[s][s'] + h[s][s'] . a[s] - a[s]^T H[s] a[s]."""
    quad = np.einsum("sm,smn,sn->s", actions, H, actions)
    return c + np.einsum("stm,sm->st", h, actions) - quad[:, None]


def fsca_values(gamma: float, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array) -> Array:
    """V by an LU solve of (I - gamma P_pi) V = r_pi (with refinement)."""
    P = fsca_transition(L, G, theta)
    r_pi = np.sum(P * fsca_reward(c, h, H, theta), axis=1)
    return lu_solve_system(np.eye(len(r_pi)) - gamma * P, r_pi)


def fsca_v(gamma: float, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array) -> Array:
    return fsca_values(gamma, L, G, c, h, H, theta)


def fsca_value(
    gamma: float, mu: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array
) -> float:
    return float(mu @ fsca_values(gamma, L, G, c, h, H, theta))


def fsca_q(gamma: float, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array, a: Array) -> Array:
    V = fsca_values(gamma, L, G, c, h, H, theta)
    P = fsca_transition(L, G, a)
    return np.sum(P * (fsca_reward(c, h, H, a) + gamma * V[None, :]), axis=1)


def fsca_visitation_vector(gamma: float, mu: Array, L: Array, G: Array, theta: Array) -> Array:
    P = fsca_transition(L, G, theta)
    return np.maximum((1.0 - gamma) * discounted_series(P.T, mu, gamma), 0.0)


def fsca_visitation(gamma: float, mu: Array, L: Array, G: Array, theta: Array) -> Array:
    return fsca_visitation_vector(gamma, mu, L, G, theta)


def fsca_gradient(
    gamma: float, mu: Array, L: Array, G: Array, c: Array, h: Array, H: Array, theta: Array
) -> Array:
    """d(s)/(1-gamma) grad_a Q(s, a) at a = theta[s]; grad_a Q = E_P[grad_a r] + Cov_P(y, G),
    y = r + gamma V(s') (the score of the softmax transition is G - E_P G)."""
    V = fsca_values(gamma, L, G, c, h, H, theta)
    P = fsca_transition(L, G, theta)
    y = fsca_reward(c, h, H, theta) + gamma * V[None, :]
    centred = y - np.sum(P * y, axis=1, keepdims=True)
    through_p = np.einsum("st,st,stm->sm", P, centred, G)
    through_r = np.einsum("st,stm->sm", P, h) - np.einsum("smn,sn->sm", H + np.swapaxes(H, 1, 2), theta)
    d = fsca_visitation_vector(gamma, mu, L, G, theta)
    return d[:, None] * (through_r + through_p) / (1.0 - gamma)


# ---- DDPG batch quantities --------------------------------------------------------------------


def ddpg_critic_target(r: Array, done: Array, gamma: float, q_next: Array) -> Array:
    return r + np.where(done > 0, 0.0, gamma * q_next)


def ddpg_critic_target_timeouts(
    r: Array, terminated: Array, truncated: Array, gamma: float, q_next: Array
) -> Array:
    return r + np.where(terminated > 0, 0.0, gamma * q_next)


def ddpg_critic_loss(q: Array, y: Array) -> float:
    return float(np.mean((q - y) ** 2))


def ddpg_actor_objective(q_pi: Array) -> float:
    return float(np.mean(q_pi))


def ddpg_soft_update(theta: Array, theta_target: Array, tau: float) -> Array:
    return theta_target + tau * (theta - theta_target)
