"""The batch family: sample-batch formulas (PPO, DDPG, SAC losses) whose inputs are all arrays
in `params` (new/old log-probabilities, advantages, rewards, done flags, ...). Shapes are checked
per formula against the registry (a batch dimension N binds to the first array that has it)."""

from __future__ import annotations

from typing import Any

from oracle.instance import Instance


def sizes(instance: Instance) -> dict[str, int]:
    return {}


def validate(instance: Instance) -> None:
    """Nothing at top level: each formula's arguments are checked when it is evaluated."""


def generate(seed: int, batch: int = 8) -> dict[str, Any]:
    """A batch instance with no arrays yet; the suite adds each formula's arrays by domain."""
    return {"family": "batch", "params": {}}
