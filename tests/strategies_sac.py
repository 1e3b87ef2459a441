"""Hypothesis strategies for the SAC tests: exact gaussian_policy instances and batch arrays."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from rlspec.oracle.families import gaussian_policy
from rlspec.oracle.instance import Instance, from_mapping


@st.composite
def gaussian_policy_instances(
    draw: st.DrawFn,
    max_states: int = 2,
    max_dims: int = 2,
    spreads: tuple[str, ...] = tuple(gaussian_policy.SPREADS),
) -> Instance:
    """Random exact gaussian_policy instances (binary64 numbers, read exactly), small sizes,
    every spread including "saturated" (|mean| ~ 8) and "wide" (std up to e^2)."""
    raw = gaussian_policy.generate(
        seed=draw(st.integers(0, 2**32 - 1)),
        states=draw(st.integers(1, max_states)),
        dims=draw(st.integers(1, max_dims)),
        spread=draw(st.sampled_from(spreads)),
    )
    return from_mapping(raw)


def binary64(lo: float, hi: float) -> st.SearchStrategy[Fraction]:
    """Finite binary64 numbers in [lo, hi], as exact Fractions."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(Fraction)


@st.composite
def q_target_batches(draw: st.DrawFn, max_batch: int = 6) -> dict[str, Any]:
    """Arguments of sac.q_target: rewards, done flags, gamma, twin critics, next log-probs, alpha."""
    n = draw(st.integers(1, max_batch))
    column = st.lists(binary64(-10, 10), min_size=n, max_size=n)
    return {
        "r": draw(column),
        "done": draw(st.lists(st.sampled_from((Fraction(0), Fraction(1))), min_size=n, max_size=n)),
        "gamma": draw(st.sampled_from((Fraction(0), Fraction(1, 2), Fraction(99, 100), Fraction(999, 1000)))),
        "q1_next": draw(column),
        "q2_next": draw(column),
        "logp_next": draw(column),
        "alpha": draw(binary64(1e-6, 100)),
    }


@st.composite
def temperature_batches(draw: st.DrawFn, max_batch: int = 6) -> dict[str, Any]:
    """Arguments of sac.temperature_objective: log_alpha, log-probabilities, target entropy."""
    n = draw(st.integers(1, max_batch))
    return {
        "log_alpha": draw(binary64(-5, 3)),
        "logp": draw(st.lists(binary64(-20, 5), min_size=n, max_size=n)),
        "target_entropy": draw(binary64(-6, 0)),
    }
