"""Hypothesis strategies for the natural-gradient section: exact instances of the dist families."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from rlspec.oracle.families import dist_categorical, dist_gaussian
from rlspec.oracle.instance import Instance, from_mapping

SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def categorical_instances(draw: st.DrawFn, /, max_support: int = 5, **params: Any) -> Instance:
    """Random exact categorical instances: K = 1 .. max_support, uniform (logit scale 0),
    moderate and near-deterministic (scale 8) softmax logits, f normal, tied integers or constant."""
    raw = dist_categorical.generate(
        seed=draw(SEEDS),
        support=draw(st.integers(1, max_support)),
        logit_scale=draw(st.sampled_from((1.0, 0.0, 4.0, 8.0))),
        values=draw(st.sampled_from(("normal", "integer", "constant"))),
    )
    if params:
        raw["params"] = dict(params)
    return from_mapping(raw)


@st.composite
def gaussian_instances(draw: st.DrawFn, /, max_dim: int = 2, **params: Any) -> Instance:
    """Random exact diagonal-Gaussian instances with a quadratic f (general, symmetric or no H)."""
    raw = dist_gaussian.generate(
        seed=draw(SEEDS),
        dim=draw(st.integers(1, max_dim)),
        log_std_scale=draw(st.sampled_from((0.5, 0.0, 1.5))),
        quadratic=draw(st.sampled_from(("general", "symmetric", "linear"))),
    )
    if params:
        raw["params"] = dict(params)
    return from_mapping(raw)


def directions(size: int) -> st.SearchStrategy[list[int]]:
    """A nonzero integer direction d (exact) of the given length."""
    return st.lists(st.integers(-3, 3), min_size=size, max_size=size).filter(any)
