"""The rollout family: a time-major batch of transitions as on-policy libraries store it
(torchrl, tianshou, CleanRL), T steps of N parallel environments.

| key           | shape  | meaning                                                               |
|---------------|--------|-----------------------------------------------------------------------|
| `rewards`     | [T][N] | reward of step t in environment i                                     |
| `values`      | [T][N] | V(s_t), the critic at the observation the step started from           |
| `next_values` | [T][N] | V(s_{t+1}), the bootstrap value (at a time-out: of the final observation) |
| `terminated`  | [T][N] | 1 where s_{t+1} is a terminal state of the MDP (its value is 0), else 0 |
| `truncated`   | [T][N] | 1 where a time limit cut the episode at s_{t+1} (it still has a value), else 0 |
| `gamma`       | scalar | discount, 0 <= gamma < 1                                              |
| `params`      | object | `lmbda` in [0, 1] (GAE, TD(lambda)); `n` >= 1 (n-step returns)        |

A single environment is N = 1 ([T][1]). Generated rollouts are consistent where the data of a
library is: next_values[t] = values[t + 1] inside an episode; at a done step and at the last
step the bootstrap value is a value of its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.families.common import array, count_param, discount, scalar_param, shape_of
from rlspec.oracle.instance import Instance

ARRAYS = ("rewards", "values", "next_values", "terminated", "truncated")
FLAGS = ("terminated", "truncated")

SIZE_OPTIONS: dict[str, tuple[int, int]] = {"steps": (1, 12), "envs": (1, 3)}
CHOICE_OPTIONS: dict[str, tuple[object, ...]] = {
    "done_rate": (0.2, 0.0, 0.5),
    "gamma": (0.99, 0.9, 0.5, 0.0),
}
# The hard corners every conformance run checks at least once (conformance_tests/strategies.py):
# no episode ends inside the rollout (the whole trace), every step ends one, gamma = 0 and
# gamma = 0.999 (values of size 1000), and the params at the ends of their domains (lambda and n).
CORNER_SIZES: dict[str, int] = {"steps": 6, "envs": 2}
CORNERS: dict[str, dict[str, object]] = {
    "no_episode_end": {"done_rate": 0.0},
    "every_step_ends": {"done_rate": 1.0},
    "gamma_zero": {"gamma": 0.0},
    "gamma_near_one": {"gamma": 0.999},
    "params_low": {"param_end": "low"},
    "params_high": {"param_end": "high"},
}


def sizes(instance: Instance) -> dict[str, int]:
    steps, envs = shape_of(instance.data["rewards"], "rewards")
    return {"T": steps, "N": envs}


def validate(instance: Instance) -> None:
    """Every array [T][N] like `rewards`, flags 0 or 1, 0 <= gamma < 1, 0 <= lmbda <= 1,
    n a whole number >= 1."""
    for key in ARRAYS:
        if key not in instance.data:
            raise InstanceError(key, f"missing: a rollout has {', '.join(ARRAYS)} [T][N]")
    shape = shape_of(array(instance, "rewards", ndim=2), "rewards")
    for key in ARRAYS[1:]:
        array(instance, key, shape=shape)
    for key in FLAGS:
        flag_param_top(instance, key)
    discount(instance)
    scalar_param(instance, "lmbda", lambda x: 0 <= x <= 1, "satisfy 0 <= lmbda <= 1")
    count_param(instance, "n")
    scalar_param(instance, "n", lambda x: x >= 1, "be >= 1 (the number of steps)")


def flag_param_top(instance: Instance, key: str) -> None:
    """A top-level [T][N] array of 0/1 flags (common.flag_param checks params)."""
    for t, row in enumerate(instance.data[key]):
        for i, x in enumerate(row):
            if x not in (0, 1):
                raise InstanceError(f"{key}[{t}][{i}]", f"is {float(x)!r}, a flag must be 0 or 1")


def generate(
    seed: int, steps: int = 8, envs: int = 2, done_rate: float = 0.2, gamma: float = 0.99
) -> dict[str, Any]:
    """A seeded random rollout (binary64 numbers only). Each step terminates with probability
    done_rate / 2 and is truncated with probability done_rate / 2 (both at once is possible, as
    in Gymnasium). Rewards U(-1, 1); values N(0, 1) / (1 - gamma), the size of a return."""
    if steps < 1 or envs < 1:
        raise ValueError("need steps >= 1 and envs >= 1")
    if not 0.0 <= done_rate <= 1.0 or not 0.0 <= gamma < 1.0:
        raise ValueError("need 0 <= done_rate <= 1 and 0 <= gamma < 1")
    rng = np.random.default_rng(seed)
    shape = (steps, envs)
    scale = 1.0 / (1.0 - gamma)
    terminated = (rng.random(shape) < done_rate / 2).astype(np.float64)
    truncated = (rng.random(shape) < done_rate / 2).astype(np.float64)
    values = scale * rng.normal(size=shape)
    next_values = scale * rng.normal(size=shape)
    inside = np.maximum(terminated, truncated)[:-1] == 0
    next_values[:-1] = np.where(inside, values[1:], next_values[:-1])
    return {
        "family": "rollout",
        "rewards": rng.uniform(-1.0, 1.0, shape).tolist(),
        "values": values.tolist(),
        "next_values": next_values.tolist(),
        "terminated": terminated.tolist(),
        "truncated": truncated.tolist(),
        "gamma": gamma,
    }


def sample_param(rng: Any, domain: str, shape: tuple[int, ...], raw: dict[str, Any]) -> Any:
    """Domain "trace_decay": lambda = 0 (one-step TD), 1 (Monte Carlo), 0.95 (the usual
    default) or U(0, 1), each with probability 1/4."""
    if domain != "trace_decay":
        return None
    return float(rng.choice(np.array([0.0, 1.0, 0.95, rng.uniform(0.0, 1.0)])))
