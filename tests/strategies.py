"""Hypothesis strategies for rlspec's own property tests: exact instances of each family."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from rlspec.oracle.families import tabular
from rlspec.oracle.instance import Instance, from_mapping

GAMMAS = (0.0, 0.5, 0.9, 0.99, 0.999)


@st.composite
def tabular_instances(
    draw: st.DrawFn,
    /,
    max_states: int = 5,
    max_actions: int = 4,
    gammas: tuple[float, ...] = GAMMAS,
    **extra_params: Any,
) -> Instance:
    """Random exact tabular instances, including gamma = 0.999, |A| = 1, sparse and
    deterministic P, near-deterministic policies (large logits) and unreachable states."""
    states = draw(st.integers(1, max_states))
    raw = tabular.generate(
        seed=draw(st.integers(0, 2**32 - 1)),
        states=states,
        actions=draw(st.integers(1, max_actions)),
        gamma=draw(st.sampled_from(gammas)),
        kind=draw(st.sampled_from(tabular.KINDS)),
        logit_scale=draw(st.sampled_from((1.0, 0.0, 8.0))),
        unreachable=draw(st.integers(0, states - 1)),
    )
    if extra_params:
        raw["params"] = dict(extra_params)
    return from_mapping(raw)
