"""One realistic bug: the KL penalty in the wrong direction, KL(pi_new || pi_old) (the argument
order of torch.distributions.kl_divergence(new, old) swapped); the PPO paper penalizes
KL(pi_old || pi_new)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("kl.penalty_objective",)


def _log_softmax(logits: Any) -> Any:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def kl_penalty_objective(logits_old: Any, logits_new: Any, actions: Any, advantages: Any, beta: Any) -> float:
    lp_old, lp_new = _log_softmax(logits_old), _log_softmax(logits_new)
    rows, taken = np.arange(len(actions)), np.asarray(actions, dtype=np.int64)
    ratio = np.exp(lp_new[rows, taken] - lp_old[rows, taken])
    kl = np.sum(np.exp(lp_new) * (lp_new - lp_old), axis=-1)
    return float(np.mean(ratio * advantages - beta * kl))
