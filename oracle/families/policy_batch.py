"""The policy_batch family: a batch of N states with a categorical policy before and after an
update, the action taken at each state and its advantage (PPO's minibatch with full logits).

| key          | shape  | meaning                                                           |
|--------------|--------|-------------------------------------------------------------------|
| `logits_old` | [N][A] | logits of pi_old(. given s_i), the policy that collected the data |
| `logits_new` | [N][A] | logits of pi_new(. given s_i), the policy being optimized         |
| `actions`    | [N]    | the action a_i taken at s_i (a whole number 0 <= a_i < A)         |
| `advantages` | [N]    | advantage estimates A_i                                           |
| `params`     | object | `beta` >= 0, the KL penalty coefficient                           |
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.families.common import array, scalar_param, shape_of, show
from rlspec.oracle.instance import Instance

SIZE_OPTIONS: dict[str, tuple[int, int]] = {"batch": (1, 12), "actions": (1, 5)}
CHOICE_OPTIONS: dict[str, tuple[object, ...]] = {"logit_scale": (1.0, 4.0), "step": (0.3, 0.0, 1.0)}
# The hard corners (conformance_tests/strategies.py): near-deterministic policies (ratios and
# KL terms far from 1 and 0), an unchanged policy (ratio 1, KL 0), beta at its ends.
CORNER_SIZES: dict[str, int] = {"batch": 4, "actions": 3}
CORNERS: dict[str, dict[str, object]] = {
    "near_deterministic": {"logit_scale": 20.0, "step": 1.0},
    "unchanged_policy": {"step": 0.0},
    "params_low": {"param_end": "low"},
    "params_high": {"param_end": "high"},
}


def sizes(instance: Instance) -> dict[str, int]:
    batch, actions = shape_of(instance.data["logits_old"], "logits_old")
    return {"N": batch, "A": actions}


def validate(instance: Instance) -> None:
    """logits [N][A] twice, actions [N] whole numbers in [0, A), advantages [N], beta >= 0."""
    for key in ("logits_old", "logits_new", "actions", "advantages"):
        if key not in instance.data:
            raise InstanceError(
                key, "missing: a policy batch has logits_old, logits_new [N][A], actions, advantages [N]"
            )
    batch, actions = shape_of(array(instance, "logits_old", ndim=2), "logits_old")
    array(instance, "logits_new", shape=(batch, actions))
    array(instance, "advantages", shape=(batch,))
    for i, a in enumerate(array(instance, "actions", shape=(batch,))):
        if a.denominator != 1 or not 0 <= a < actions:
            raise InstanceError(
                f"actions[{i}]", f"is {show(a)}, must be a whole number from 0 to {actions - 1}"
            )
    scalar_param(instance, "beta", lambda x: x >= 0, "be >= 0 (the KL penalty coefficient)")


def generate(
    seed: int, batch: int = 8, actions: int = 3, logit_scale: float = 1.0, step: float = 0.3
) -> dict[str, Any]:
    """A seeded random batch: logits_old ~ logit_scale N(0, 1), logits_new = logits_old + step
    N(0, 1) (a quarter of the rows unchanged, as in the first epoch), a_i ~ pi_old(. given s_i),
    advantages N(0, 1)."""
    if batch < 1 or actions < 1:
        raise ValueError("need batch >= 1 and actions >= 1")
    rng = np.random.default_rng(seed)
    old = logit_scale * rng.normal(size=(batch, actions))
    moved = rng.random((batch, 1)) >= 0.25
    new = old + step * moved * rng.normal(size=(batch, actions))
    probs = np.exp(old - old.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    taken = [float(rng.choice(actions, p=row)) for row in probs]
    return {
        "family": "policy_batch",
        "logits_old": old.tolist(),
        "logits_new": new.tolist(),
        "actions": taken,
        "advantages": rng.normal(size=batch).tolist(),
    }
