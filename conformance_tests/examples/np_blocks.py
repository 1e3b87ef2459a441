"""Float64 numpy example implementation of the building blocks beyond the lecture
(spec/sections/blocks.py), written the way libraries write them: backward loops over time
vectorized over environments, the stable log1p forms near |a| = 1."""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray[Any, np.dtype[np.float64]]

LOG2PI = float(np.log(2.0 * np.pi))


def _continues(terminated: Array, truncated: Array) -> Array:
    """1 where the episode goes on after step t inside the rollout, else 0 (last step: 0)."""
    keep = 1.0 - np.maximum(terminated, truncated)
    keep[-1] = 0.0
    return keep


def gae_advantage(
    rewards: Array,
    values: Array,
    next_values: Array,
    terminated: Array,
    truncated: Array,
    gamma: float,
    lmbda: float,
) -> Array:
    deltas = rewards + gamma * (1.0 - terminated) * next_values - values
    keep = _continues(terminated, truncated)
    out = np.zeros_like(deltas)
    following = np.zeros(deltas.shape[1])
    for t in reversed(range(deltas.shape[0])):
        following = deltas[t] + gamma * lmbda * keep[t] * following
        out[t] = following
    return out


def gae_lambda_return(
    rewards: Array, next_values: Array, terminated: Array, truncated: Array, gamma: float, lmbda: float
) -> Array:
    keep = _continues(terminated, truncated)
    out = np.zeros_like(rewards)
    following = np.zeros(rewards.shape[1])
    for t in reversed(range(rewards.shape[0])):
        mixed = next_values[t] + lmbda * keep[t] * (following - next_values[t])
        following = rewards[t] + gamma * (1.0 - terminated[t]) * mixed
        out[t] = following
    return out


def nstep_return(
    rewards: Array, next_values: Array, terminated: Array, truncated: Array, gamma: float, n: int
) -> Array:
    steps, envs = rewards.shape
    keep = _continues(terminated, truncated)
    out = np.zeros_like(rewards)
    for t in range(steps):
        total, discount = np.zeros(envs), np.ones(envs)
        open_window = np.ones(envs, dtype=bool)
        for j in range(t, min(t + int(n), steps)):
            total = np.where(open_window, total + discount * rewards[j], total)
            discount = np.where(open_window, discount * gamma, discount)
            closes = open_window & ((keep[j] == 0.0) | (j == t + int(n) - 1))
            total = np.where(closes, total + discount * (1.0 - terminated[j]) * next_values[j], total)
            open_window &= ~closes
        out[t] = total
    return out


def twin_target(
    r: Array, terminated: Array, truncated: Array, gamma: float, q1_next: Array, q2_next: Array
) -> Array:
    return np.asarray(r + gamma * (1.0 - terminated) * np.minimum(q1_next, q2_next))


def twin_loss(q1: Array, q2: Array, y: Array) -> float:
    return float(np.mean((q1 - y) ** 2) + np.mean((q2 - y) ** 2))


def value_clipped_loss(values: Array, old_values: Array, returns: Array, epsilon: float) -> float:
    clipped = old_values + np.clip(values - old_values, -epsilon, epsilon)
    return float(np.mean(np.maximum((values - returns) ** 2, (clipped - returns) ** 2)))


def kl_k1(logp_new: Array, logp_old: Array) -> float:
    return float(np.mean(logp_old - logp_new))


def kl_k2(logp_new: Array, logp_old: Array) -> float:
    return float(np.mean(0.5 * (logp_new - logp_old) ** 2))


def kl_k3(logp_new: Array, logp_old: Array) -> float:
    log_ratio = logp_new - logp_old
    return float(np.mean(np.expm1(log_ratio) - log_ratio))


def _log_softmax(logits: Array) -> Array:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return np.asarray(shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True)))


def kl_penalty_objective(
    logits_old: Array, logits_new: Array, actions: Array, advantages: Array, beta: float
) -> float:
    lp_old, lp_new = _log_softmax(logits_old), _log_softmax(logits_new)
    rows = np.arange(len(actions))
    taken = np.asarray(actions, dtype=np.int64)
    ratio = np.exp(lp_new[rows, taken] - lp_old[rows, taken])
    kl = np.sum(np.exp(lp_old) * (lp_old - lp_new), axis=-1)
    return float(np.mean(ratio * advantages - beta * kl))


def squashed_log_prob(action: Array, mean: Array, log_std: Array) -> Array:
    log1p_plus, log1p_minus = np.log1p(action), np.log1p(-action)
    u = 0.5 * (log1p_plus - log1p_minus)
    z = (u - mean) * np.exp(-log_std)
    gaussian = -0.5 * z * z - log_std - 0.5 * LOG2PI
    return np.asarray(np.sum(gaussian - (log1p_plus + log1p_minus), axis=-1))
