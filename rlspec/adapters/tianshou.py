"""tianshou under the registry's names, in float64.

The one-step critic target is `Algorithm.compute_nstep_return` with n_step = 1 on a replay
buffer holding the batch (the glue: the buffer, and a target-Q function that returns the
batch's q_next); the squashed-Gaussian log-probability is `correct_log_prob_gaussian_tanh`, the
function tianshou's SAC applies to a Normal's log_prob.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from tianshou.algorithm.algorithm_base import Algorithm
from tianshou.algorithm.modelfree.sac import correct_log_prob_gaussian_tanh
from tianshou.data import Batch, ReplayBuffer
from torch.distributions import Independent, Normal

from rlspec.adapters._torch import float64_tensor as _t


def ddpg_critic_target_timeouts(r: Any, terminated: Any, truncated: Any, gamma: Any, q_next: Any) -> Any:
    rewards, q = np.asarray(r, dtype=np.float64), _t(q_next)
    buffer = ReplayBuffer(size=len(rewards))
    for i, reward in enumerate(rewards):
        step = Batch(obs=i, act=0, rew=reward, terminated=bool(terminated[i]), truncated=bool(truncated[i]))
        buffer.add(Batch(step, obs_next=i, info={}))
    indices = np.arange(len(rewards))
    batch = Algorithm.compute_nstep_return(
        buffer[indices], buffer, indices, lambda _, at: q[at], gamma=float(gamma), n_step=1
    )
    return batch.returns.reshape(-1)


def ddpg_critic_target(r: Any, done: Any, gamma: Any, q_next: Any) -> Any:
    """The done flag of the plain target is a termination."""
    return ddpg_critic_target_timeouts(r, done, np.zeros_like(done), gamma, q_next)


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> Any:
    """tianshou's SAC: Independent(Normal).log_prob(u) corrected by its tanh term. The action
    space rescaling happens outside the policy (`action_scaling`), so the density is the one of
    tanh(u) (the registry's `no_scale_jacobian` convention); `scale` is not used."""
    gaussian = _t(u)
    log_prob = Independent(Normal(_t(mean), torch.exp(_t(log_std))), 1).log_prob(gaussian)
    return correct_log_prob_gaussian_tanh(log_prob[..., None], torch.tanh(gaussian)).reshape(-1)


# compute_nstep_return's inner loop is compiled by numba on its first call (seconds): compile it
# here, inside the import budget, so that the per-call timeout measures calls.
ddpg_critic_target_timeouts(np.zeros(2), np.zeros(2), np.zeros(2), 0.5, np.zeros(2))
