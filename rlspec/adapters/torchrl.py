"""torchrl under the registry's names, float64 tensors in.

The value functionals are plain functions (`td0_return_estimate`). The PPO objective exists
only inside `ClipPPOLoss`, a module that reads log-probabilities from an actor's distribution:
the glue is an actor whose distribution returns the batch's new log-probabilities, so the loss
module's own arithmetic (log-ratio, clip bounds, min, mean) is what gets checked.
"""

from __future__ import annotations

from typing import Any

import torch
from tensordict import TensorDict
from tensordict.nn import TensorDictModule
from torch.distributions import Distribution
from torchrl.modules import ProbabilisticActor
from torchrl.objectives import ClipPPOLoss
from torchrl.objectives.value.functional import (
    generalized_advantage_estimate,
    td0_return_estimate,
    td_lambda_return_estimate,
)

from rlspec.adapters._torch import float64_tensor as _t


def ddpg_critic_target(r: Any, done: Any, gamma: Any, q_next: Any) -> Any:
    return td0_return_estimate(float(gamma), _t(q_next), _t(r), terminated=_t(done).bool())


def ddpg_critic_target_timeouts(r: Any, terminated: Any, truncated: Any, gamma: Any, q_next: Any) -> Any:
    """TD(0) bootstraps through a truncation: only `terminated` is passed."""
    return td0_return_estimate(float(gamma), _t(q_next), _t(r), terminated=_t(terminated).bool())


def _flags(terminated: Any, truncated: Any) -> tuple[Any, Any]:
    """torchrl's (done, terminated): done ends the trajectory (either flag), terminated also
    stops the bootstrap."""
    end = _t(terminated).bool()
    return end | _t(truncated).bool(), end


def gae_advantage(
    rewards: Any, values: Any, next_values: Any, terminated: Any, truncated: Any, gamma: Any, lmbda: Any
) -> Any:
    """generalized_advantage_estimate on the time-major [T, N] rollout (time_dim -2, N as the
    feature dimension)."""
    done, ended = _flags(terminated, truncated)
    advantage, _ = generalized_advantage_estimate(
        float(gamma), float(lmbda), _t(values), _t(next_values), _t(rewards), done, ended
    )
    return advantage


def gae_lambda_return(
    rewards: Any, next_values: Any, terminated: Any, truncated: Any, gamma: Any, lmbda: Any
) -> Any:
    done, ended = _flags(terminated, truncated)
    return td_lambda_return_estimate(float(gamma), float(lmbda), _t(next_values), _t(rewards), done, ended)


class _BatchLogProb(Distribution):  # type: ignore[misc]  # torch is untyped here
    """The policy's distribution as the loss sees it: log_prob(action) is the batch's
    new log-probability (the glue; nothing is computed here)."""

    arg_constraints: dict[str, Any] = {}  # noqa: RUF012 (torch's class attribute)

    def __init__(self, logp: torch.Tensor) -> None:
        self.logp = logp
        super().__init__(logp.shape, validate_args=False)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        return self.logp


def ppo_clip_objective_batch(logp_new: Any, logp_old: Any, adv: Any, epsilon: Any) -> Any:
    """ClipPPOLoss's `loss_objective` (a loss: the registry's `loss` convention)."""
    reader = TensorDictModule(torch.nn.Identity(), in_keys=["logp_new"], out_keys=["logp"])
    actor = ProbabilisticActor(reader, in_keys=["logp"], distribution_class=_BatchLogProb)
    loss = ClipPPOLoss(actor, critic_network=None, clip_epsilon=float(epsilon), entropy_bonus=False)
    loss.set_keys(sample_log_prob="logp_old")
    new = _t(logp_new)
    columns = {"logp_new": new, "logp_old": _t(logp_old), "advantage": _t(adv)[:, None]}
    batch = TensorDict({**columns, "action": torch.zeros_like(new)}, batch_size=[new.shape[0]])
    return loss(batch)["loss_objective"].detach()

