"""torch.distributions under the registry's names, in float64.

Every function builds the library's distribution from the registry's arguments and calls its
public methods (kl_divergence, entropy, log_prob, rsample's transform caches, autograd for the
scores); nothing of the math is rewritten here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.distributions import (
    AffineTransform,
    Categorical,
    Independent,
    Normal,
    TanhTransform,
    TransformedDistribution,
    kl_divergence,
)

from rlspec.adapters._torch import F64
from rlspec.adapters._torch import float64_tensor as _t


def _diag_normal(mean: torch.Tensor, log_std: torch.Tensor) -> Independent:
    return Independent(Normal(mean, torch.exp(log_std)), 1)


def dist_objective_categorical(theta: Any, f: Any) -> Any:
    return (Categorical(logits=_t(theta)).probs * _t(f)).sum()


def dist_score_categorical(theta: Any) -> Any:
    """Row x: grad_theta log p_theta(x), by autograd through Categorical.log_prob."""
    values = torch.arange(np.size(theta))
    return torch.autograd.functional.jacobian(lambda t: Categorical(logits=t).log_prob(values), _t(theta))


def dist_score_gaussian(mean: Any, log_std: Any, x: Any) -> Any:
    """grad_(mean, log_std) log p(x), by autograd through Normal.log_prob."""
    grads = torch.autograd.functional.jacobian(
        lambda m, s: _diag_normal(m, s).log_prob(_t(x)), (_t(mean), _t(log_std))
    )
    return torch.cat(grads).detach()


def dist_kl_categorical(theta: Any, theta_new: Any) -> Any:
    return kl_divergence(Categorical(logits=_t(theta)), Categorical(logits=_t(theta_new)))


def dist_kl_gaussian(mean: Any, log_std: Any, mean_new: Any, log_std_new: Any) -> Any:
    return kl_divergence(_diag_normal(_t(mean), _t(log_std)), _diag_normal(_t(mean_new), _t(log_std_new)))


def trpo_max_kl(theta: Any, theta_new: Any) -> Any:
    return dist_kl_categorical(theta, theta_new).max()


def entropy_h(theta: Any) -> Any:
    return Categorical(logits=_t(theta)).entropy()


def ppo_ratio(theta: Any, theta_new: Any) -> Any:
    """pi_new(a|s) / pi_old(a|s) for every (s, a), from the normalized log-probabilities."""
    return torch.exp(Categorical(logits=_t(theta_new)).logits - Categorical(logits=_t(theta)).logits)


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> Any:
    """log pi(a|s) of a = scale * tanh(u) as the library computes it after rsample: the
    transforms' caches hand log_prob the pre-squash u, so no atanh is taken."""
    squash = TanhTransform(cache_size=1)
    rescale = AffineTransform(torch.zeros((), dtype=F64), _t(scale), cache_size=1)
    policy = TransformedDistribution(Normal(_t(mean), torch.exp(_t(log_std))), [squash, rescale])
    action = rescale(squash(_t(u)))
    return policy.log_prob(action).sum(-1)
