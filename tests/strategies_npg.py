"""Hypothesis strategies for the NPG and TRPO property tests: exact tabular instances (via
tests.strategies) with a second policy theta_new near theta, and small step parameters."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from oracle.instance import Instance
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
