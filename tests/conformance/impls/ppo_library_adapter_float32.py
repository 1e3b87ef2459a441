"""The worked adapter, in float32 (a library default): a PPO loss written the way libraries write it (a loss,
max of negated branches, torch tensors, other names), wrapped under the registry's name."""

from __future__ import annotations

from typing import Any

import torch


def ppo_policy_loss(new_log_probs: Any, old_log_probs: Any, advantages: Any, clip_range: float = 0.2) -> Any:
    """As a library writes it."""
    ratio = torch.exp(new_log_probs - old_log_probs)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip_range, 1.0 + clip_range)
    return torch.max(unclipped, clipped).mean()


def ppo_clip_objective_batch(logp_new: Any, logp_old: Any, adv: Any, epsilon: Any) -> Any:
    def t(x: Any) -> Any:
        return torch.as_tensor(x, dtype=torch.float32)

    return ppo_policy_loss(t(logp_new), t(logp_old), t(adv), clip_range=float(epsilon))
