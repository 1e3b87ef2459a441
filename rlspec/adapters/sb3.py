"""stable-baselines3 and sb3-contrib under the registry's names, in float64.

SB3 computes its PPO, SAC and TD3 losses inline in each algorithm's `train()`, so only the
pieces it exposes as functions or classes are checked here: its distributions (the squashed
Gaussian SAC trains with, the categorical policy of PPO/A2C on discrete actions), the Polyak
update of its target networks, and sb3-contrib's conjugate-gradient solver (TRPO's).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sb3_contrib.common.utils import conjugate_gradient_solver
from stable_baselines3.common.distributions import (
    CategoricalDistribution,
    DiagGaussianDistribution,
    SquashedDiagGaussianDistribution,
    kl_divergence,
)
from stable_baselines3.common.utils import polyak_update

from rlspec.adapters._torch import float64_tensor as _t
from rlspec.conformance_tests.examples import np_mdp, np_npg


def _categorical(theta: Any) -> CategoricalDistribution:
    logits = _t(theta)
    return CategoricalDistribution(logits.shape[-1]).proba_distribution(action_logits=logits)


def _gaussian(mean: Any, log_std: Any) -> DiagGaussianDistribution:
    m = _t(mean)
    return DiagGaussianDistribution(m.shape[-1]).proba_distribution(m, _t(log_std))


def entropy_h(theta: Any) -> Any:
    return _categorical(theta).entropy()


def dist_kl_categorical(theta: Any, theta_new: Any) -> Any:
    return kl_divergence(_categorical(theta), _categorical(theta_new))


def dist_kl_gaussian(mean: Any, log_std: Any, mean_new: Any, log_std_new: Any) -> Any:
    """SB3's DiagGaussianDistribution wraps a per-dimension Normal: its KL is summed over the
    action dimensions, as SB3's own callers do with sum_independent_dims."""
    return kl_divergence(_gaussian(mean, log_std), _gaussian(mean_new, log_std_new)).sum(-1)


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> Any:
    """SAC's log pi(a|s) as SB3 computes it after sampling: log_prob(tanh(u), gaussian_actions=u).
    SB3 rescales actions to the action space outside the policy, so its density is the one of
    tanh(u) (the registry's `no_scale_jacobian` convention); `scale` is not used."""
    m = _t(mean)
    policy = SquashedDiagGaussianDistribution(m.shape[-1]).proba_distribution(m, _t(log_std))
    gaussian_actions = _t(u)
    return policy.log_prob(torch.tanh(gaussian_actions), gaussian_actions)


def squashed_log_prob(action: Any, mean: Any, log_std: Any) -> Any:
    """log pi(a|s) at a given action in (-1, 1), as SB3 evaluates a replayed action."""
    m = _t(mean)
    policy = SquashedDiagGaussianDistribution(m.shape[-1]).proba_distribution(m, _t(log_std))
    return policy.log_prob(_t(action))


def ddpg_soft_update(theta: Any, theta_target: Any, tau: Any) -> Any:
    target = _t(theta_target).clone()
    polyak_update([_t(theta)], [target], float(tau))
    return target


def trpo_conjugate_gradient(
    P: Any, R: Any, gamma: Any, mu: Any, theta: Any, iterations: Any, damping: Any
) -> Any:
    """sb3-contrib's solver, called as its TRPO calls it (default residual_tol), on
    (F(theta) + damping I) x = grad V; F and grad V come from rlspec's float64 example (the
    problem's setup, not what is checked). The solver starts from 1e-4 * randn, so the torch
    generator is seeded for a reproducible run."""
    damped = np_npg.npg_fisher(P, gamma, mu, theta) + float(damping) * np.eye(np.size(theta))
    fisher = _t(damped)
    gradient = _t(np_mdp.pg_gradient(P, R, gamma, mu, theta)).reshape(-1)
    torch.manual_seed(0)
    solution = conjugate_gradient_solver(lambda v: fisher @ v, gradient, max_iter=int(iterations))
    return solution.reshape(np.shape(theta))
