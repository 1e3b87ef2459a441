"""Hypothesis strategies for the NPG and TRPO property tests: exact tabular instances (via
tests.strategies) with a second policy theta_new near theta, and small step parameters."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import example
from hypothesis import strategies as st

from rlspec.oracle.families import tabular
from rlspec.oracle.instance import Instance, from_mapping
from tests.strategies import GAMMAS, tabular_instances


@st.composite
def npg_instances(
    draw: st.DrawFn, max_states: int = 4, max_actions: int = 3, gammas: tuple[float, ...] = GAMMAS
) -> Instance:
    """Exact tabular instances (|S| <= 4, |A| <= 3 by default), with gamma = 0.999, |A| = 1,
    near-deterministic policies and unreachable states among them (tests.strategies)."""
    return draw(tabular_instances(max_states=max_states, max_actions=max_actions, gammas=gammas))


@st.composite
def trpo_instances(
    draw: st.DrawFn, max_states: int = 4, max_actions: int = 3, spread: tuple[float, ...] = (0.3, 3.0)
) -> tuple[Instance, Any]:
    """An instance and theta_new = theta + spread * N(0, 1) (binary64 values, exact Fractions)."""
    instance = draw(npg_instances(max_states=max_states, max_actions=max_actions))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from(spread))
    theta = instance.data["theta"]
    theta_new = [[x + Fraction(float(scale * rng.normal())) for x in row] for row in theta]
    return instance, theta_new


def parts(instance: Instance) -> tuple[Any, Any, Any, Any, Any]:
    """(P, R, gamma, mu, theta) of a tabular instance, exact."""
    d = instance.data
    return d["P"], d["R"], d["gamma"], d["mu"], d["theta"]


# Edge instances every property also runs on (hypothesis's few derandomized draws need not hit
# them): gamma = 0.999, near-deterministic policies (logits ~ 8 N(0, 1)), |A| = 1, states mu never
# reaches, and all of them at once.
EDGE_OPTIONS: tuple[dict[str, Any], ...] = (
    {"states": 3, "actions": 3, "gamma": 0.999, "kind": "dense"},
    {"states": 3, "actions": 3, "gamma": 0.9, "kind": "sparse", "logit_scale": 8.0},
    {"states": 3, "actions": 1, "gamma": 0.99, "kind": "dense"},
    {"states": 4, "actions": 2, "gamma": 0.99, "kind": "deterministic", "unreachable": 2},
    {"states": 4, "actions": 3, "gamma": 0.999, "kind": "absorbing", "logit_scale": 8.0, "unreachable": 1},
)


def edge_instances() -> list[Instance]:
    return [from_mapping(tabular.generate(11 + i, **opts)) for i, opts in enumerate(EDGE_OPTIONS)]


def edge_pairs() -> list[tuple[Instance, Any]]:
    out = []
    for i, instance in enumerate(edge_instances()):
        rng = np.random.default_rng(100 + i)
        theta_new = [[x + Fraction(float(0.5 * rng.normal())) for x in row] for row in instance.data["theta"]]
        out.append((instance, theta_new))
    return out


def on_edges(*extra: Any, pairs: bool = False) -> Callable[[Any], Any]:
    """Decorator: hypothesis @example for every edge instance (or pair), with `extra` arguments."""

    def decorate(test: Any) -> Any:
        for case in edge_pairs() if pairs else edge_instances():
            test = example(case, *extra)(test)
        return test

    return decorate
