"""Building blocks (gae.*, nstep.return, twin.*, value.clipped_loss, kl.*, squashed.log_prob).

Returns are computed forward, as explicit discounted sums over each step's remaining episode
(weights by cumulative products), not by the usual backward recursion."""

from __future__ import annotations

import numpy as np

from .numerics import Array, kl_rows, log_softmax


def forward_sums(terms: Array, links: Array) -> Array:
    """out[t] = sum_{k >= 0} (prod_{i < k} links[t + i]) terms[t + k], column by column."""
    T = terms.shape[0]
    out = np.zeros_like(terms)
    for t in range(T):
        weight = np.ones(terms.shape[1:])
        for k in range(t, T):
            out[t] += weight * terms[k]
            weight = weight * links[k]
            if not np.any(weight):
                break
    return out


def continues(terminated: Array, truncated: Array) -> Array:
    """c_t = 1 - done_t, with the rollout's last step cut like a time-out."""
    c = 1.0 - np.maximum(terminated, truncated)
    c[-1] = 0.0
    return c


def gae_advantage(
    rewards: Array,
    values: Array,
    next_values: Array,
    terminated: Array,
    truncated: Array,
    gamma: float,
    lmbda: float,
) -> Array:
    delta = rewards + gamma * (1.0 - terminated) * next_values - values
    return forward_sums(delta, gamma * lmbda * continues(terminated, truncated))


def gae_lambda_return(
    rewards: Array, next_values: Array, terminated: Array, truncated: Array, gamma: float, lmbda: float
) -> Array:
    """G_t = a_t + b_t G_{t+1}, a_t = r_t + gamma (1 - term_t)(1 - c_t lmbda) V'_t,
    b_t = gamma (1 - term_t) c_t lmbda, summed forward."""
    live = gamma * (1.0 - terminated)
    mix = continues(terminated, truncated) * lmbda
    return forward_sums(rewards + live * (1.0 - mix) * next_values, live * mix)


def nstep_return(
    rewards: Array, next_values: Array, terminated: Array, truncated: Array, gamma: float, n: float
) -> Array:
    T, N = rewards.shape
    done = np.maximum(terminated, truncated) > 0
    out = np.zeros_like(rewards)
    for i in range(N):
        for t in range(T):
            total, discount, j = 0.0, 1.0, t
            while True:
                total += discount * rewards[j, i]
                discount *= gamma
                if done[j, i] or j - t + 1 >= int(n) or j == T - 1:
                    break
                j += 1
            out[t, i] = total + (0.0 if terminated[j, i] > 0 else discount * next_values[j, i])
    return out


def twin_target(
    r: Array, terminated: Array, truncated: Array, gamma: float, q1_next: Array, q2_next: Array
) -> Array:
    return r + np.where(terminated > 0, 0.0, gamma * np.minimum(q1_next, q2_next))


def twin_loss(q1: Array, q2: Array, y: Array) -> float:
    return float(np.mean((q1 - y) ** 2) + np.mean((q2 - y) ** 2))


def value_clipped_loss(values: Array, old_values: Array, returns: Array, epsilon: float) -> float:
    clipped = old_values + np.clip(values - old_values, -epsilon, epsilon)
    return float(np.mean(np.maximum((values - returns) ** 2, (clipped - returns) ** 2)))


def kl_k1(logp_new: Array, logp_old: Array) -> float:
    return float(np.mean(logp_old - logp_new))


def kl_k2(logp_new: Array, logp_old: Array) -> float:
    return float(np.mean((logp_new - logp_old) ** 2) / 2.0)


def kl_k3(logp_new: Array, logp_old: Array) -> float:
    """(r - 1) - log r = expm1(x) - x, x = log r (no cancellation near r = 1)."""
    x = logp_new - logp_old
    return float(np.mean(np.expm1(x) - x))


def kl_penalty_objective(
    logits_old: Array, logits_new: Array, actions: Array, advantages: Array, beta: float
) -> float:
    rows = np.arange(len(actions))
    taken = actions.astype(int)
    log_ratio = log_softmax(logits_new)[rows, taken] - log_softmax(logits_old)[rows, taken]
    return float(np.mean(np.exp(log_ratio) * advantages - beta * kl_rows(logits_old, logits_new)))


def squashed_log_prob(action: Array, mean: Array, log_std: Array) -> Array:
    up, down = np.log1p(action), np.log1p(-action)
    u = (up - down) / 2.0
    z = (u - mean) * np.exp(-log_std)
    terms = -0.5 * z * z - log_std - 0.5 * np.log(2.0 * np.pi) - (up + down)
    return np.sum(terms, axis=-1)
