"""Hypothesis strategies for the PPO section: tabular instances with theta_new and epsilon, and
sample batches of new/old log-probabilities and advantages. Every number is a binary64 value,
held exactly (Fraction)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from rlspec.oracle.instance import Instance, exact, from_mapping
from tests.strategies import GAMMAS, tabular_instances

# Sizes of the step theta_new - theta: tiny (every ratio inside [1 - eps, 1 + eps]), PPO-like,
# and large (many ratios clipped, flat regions).
STEPS = (0.3, 0.01, 1.0, 3.0)
EPSILONS = (0.2, 0.05, 0.5)


def _exact(values: Any) -> Any:
    return exact(np.asarray(values, dtype=np.float64).tolist(), "value")


@st.composite
def ppo_instances(
    draw: st.DrawFn,
    max_states: int = 4,
    max_actions: int = 3,
    gammas: tuple[float, ...] = GAMMAS,
    steps: tuple[float, ...] = STEPS,
) -> Instance:
    """A tabular instance (theta = theta_t) with params theta_new = theta + step N(0, 1) and
    epsilon."""
    instance = draw(tabular_instances(max_states=max_states, max_actions=max_actions, gammas=gammas))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    theta = np.array([[float(x) for x in row] for row in instance.data["theta"]])
    step = draw(st.sampled_from(steps))
    instance.params["theta_new"] = _exact(theta + step * rng.normal(size=theta.shape))
    instance.params["epsilon"] = Fraction(draw(st.sampled_from(EPSILONS)))
    return instance


@st.composite
def batch_instances(draw: st.DrawFn, max_size: int = 6) -> Instance:
    """A batch instance for ppo.clip_*_batch: logp_old = -exp(N(0, 1)), logp_new = logp_old +
    step N(0, 1) (some entries equal: ratio exactly 1), adv = N(0, 1) (some exactly 0), epsilon."""
    n = draw(st.integers(1, max_size))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    step = draw(st.sampled_from((0.3, 0.01, 1.0)))
    logp_old = -np.exp(rng.normal(size=n))
    logp_new = np.where(rng.random(n) < 0.2, logp_old, logp_old + step * rng.normal(size=n))
    adv = np.where(rng.random(n) < 0.1, 0.0, rng.normal(size=n))
    raw = {
        "family": "batch",
        "params": {
            "logp_new": logp_new.tolist(),
            "logp_old": logp_old.tolist(),
            "adv": adv.tolist(),
            "epsilon": draw(st.sampled_from(EPSILONS)),
        },
    }
    return from_mapping(raw)
