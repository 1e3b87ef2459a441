"""The batch family: sample-batch formulas (PPO, DDPG, SAC losses) whose inputs are all arrays
in `params` (new/old log-probabilities, advantages, rewards, done flags, ...). Shapes are checked
per formula against the registry (a batch dimension N binds to the first array that has it)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.families.common import array, flag_param, flat, positive_param, scalar_param, show
from rlspec.oracle.instance import Instance


def sizes(instance: Instance) -> dict[str, int]:
    return {}


def validate(instance: Instance) -> None:
    """Nothing at top level: each formula's arguments (shapes) are checked when it is evaluated.
    The scalars and flags with a meaning are checked here: discount 0 <= gamma < 1, soft-update
    rate 0 <= tau <= 1, temperature alpha > 0, clip range epsilon >= 0, done flags 0 or 1,
    squashed actions |a| < 1."""
    scalar_param(instance, "gamma", lambda x: 0 <= x < 1, "satisfy 0 <= gamma < 1")
    scalar_param(instance, "tau", lambda x: 0 <= x <= 1, "satisfy 0 <= tau <= 1 (the soft-update rate)")
    positive_param(instance, "alpha", "the temperature")
    scalar_param(instance, "epsilon", lambda x: x >= 0, "be >= 0 (the clip range)")
    for name in ("done", "terminated", "truncated"):
        flag_param(instance, name)
    if "action" in instance.params:
        for i, a in enumerate(flat(array(instance, "params.action"))):
            if not -1 < a < 1:
                raise InstanceError(f"params.action[{i}]", f"is {show(a)}, a squashed action needs |a| < 1")


def generate(seed: int, batch: int = 8) -> dict[str, Any]:
    """A batch instance with no arrays yet; the suite adds each formula's arrays by domain."""
    return {"family": "batch", "params": {}}


def sample_param(rng: Any, domain: str, shape: tuple[int, ...], raw: dict[str, Any]) -> Any:
    """Batch-family domains. "log_prob_near:KEY": params KEY (sampled first as "log_prob",
    -exp(N(0, 1)), when it is not there yet) plus 0.3 N(0, 1), with about a quarter of the
    entries exactly equal to KEY's (ratio exactly 1, as in PPO's first epoch on a batch)."""
    kind, _, key = domain.partition(":")
    if kind == "squashed_action":
        return squashed_action(rng, shape)
    if kind != "log_prob_near":
        return None
    params = raw.setdefault("params", {})
    if key not in params:
        params[key] = (-np.exp(rng.normal(size=shape))).tolist()
    base = np.asarray(params[key], dtype=np.float64)
    near = base + 0.3 * rng.normal(size=base.shape)
    same = rng.random(base.shape) < 0.25
    return np.where(same, base, near)


def squashed_action(rng: Any, shape: tuple[int, ...]) -> Any:
    """Domain "squashed_action": a = tanh(u) rounded to binary64, u ~ N(0, 1) or, for a third of
    the entries each, U(-9, 9) and +-U(9, 18.5) (1 - |a| down to 1e-16, where atanh(a) and
    log(1 - a^2) cancel); an a that rounds to +-1 is moved to the nearest float inside."""
    wide = rng.uniform(-9.0, 9.0, shape)
    edge = rng.choice(np.array([-1.0, 1.0]), shape) * rng.uniform(9.0, 18.5, shape)
    pick = rng.random(shape)
    u = np.where(pick < 1 / 3, rng.normal(size=shape), np.where(pick < 2 / 3, wide, edge))
    return np.clip(np.tanh(u), np.nextafter(-1.0, 0.0), np.nextafter(1.0, 0.0))


# What the conformance suite's strategies draw: the batch size N (shrinks to 1).
SIZE_OPTIONS: dict[str, tuple[int, int]] = {"batch": (1, 16)}
CHOICE_OPTIONS: dict[str, tuple[object, ...]] = {}
# The hard corners every conformance run checks at least once (conformance_tests/strategies.py):
# name -> generate() options ("param_end": every params.* argument near the low or high end of
# its domain, oracle/sampling.py), on instances of at least CORNER_SIZES.
# Here: done flags all 0 / all 1, clip range, discount, soft-update rate and temperature at
# their ends, log-probabilities near 0 and near -40.
CORNER_SIZES: dict[str, int] = {"batch": 4}
CORNERS: dict[str, dict[str, object]] = {
    "params_low": {"param_end": "low"},
    "params_high": {"param_end": "high"},
}
