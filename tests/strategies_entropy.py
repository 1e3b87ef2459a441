"""Hypothesis strategies for the entropy-regularization tests: exact tabular instances with a
temperature lambda spanning [1e-6, 1e2], rewards of size 1 or 1e3, gamma up to 0.999, |A| = 1."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from rlspec.oracle.families import tabular
from rlspec.oracle.instance import Instance, from_mapping

GAMMAS = (0.0, 0.5, 0.9, 0.99, 0.999)
LAMBDA_ENDS = (1e-6, 1e-3, 0.1, 1.0, 100.0)


@dataclass(frozen=True)
class SoftCase:
    """One exact instance: P, R, gamma, mu, theta as Fractions (validated), and lambda."""

    instance: Instance
    lam: Fraction

    @property
    def P(self) -> Any:
        return self.instance.data["P"]

    @property
    def R(self) -> Any:
        return self.instance.data["R"]

    @property
    def gamma(self) -> Fraction:
        return self.instance.data["gamma"]  # type: ignore[no-any-return]

    @property
    def mu(self) -> Any:
        return self.instance.data["mu"]

    @property
    def theta(self) -> Any:
        return self.instance.data["theta"]

    @property
    def states(self) -> int:
        return len(self.P)

    @property
    def actions(self) -> int:
        return len(self.P[0])

    @property
    def reward_size(self) -> Fraction:
        return Fraction(max(abs(x) for block in self.R for row in block for x in row))


def _sizes(top: int) -> tuple[int, ...]:
    """top, top - 1, ..., 1 but with 2 first (the simplest non-trivial size) when top >= 2."""
    return (2, *[n for n in range(top, 0, -1) if n != 2]) if top >= 2 else (1,)


def lambdas(low: float = 1e-6, high: float = 1e2) -> st.SearchStrategy[Fraction]:
    """lambda in [low, high]: the decade ends, or log-uniform in between, as exact binary64 values."""
    ends = [x for x in LAMBDA_ENDS if low <= x <= high]
    import math

    exponent = st.floats(math.log10(low), math.log10(high), allow_nan=False)
    return st.one_of(st.sampled_from(ends), exponent.map(lambda e: 10.0**e)).map(Fraction)


@st.composite
def soft_cases(
    draw: st.DrawFn,
    /,
    max_states: int = 4,
    max_actions: int = 3,
    gammas: tuple[float, ...] = GAMMAS,
    lam_low: float = 1e-6,
    lam_high: float = 1e2,
    reward_scales: tuple[float, ...] = (1.0, 1000.0),
    **params: Any,
) -> SoftCase:
    """A random exact instance (every P kind, large logits, unreachable states) and a lambda."""
    # sizes from a list rather than st.integers, which hypothesis biases towards the smallest
    states = draw(st.sampled_from(_sizes(max_states)))
    raw = tabular.generate(
        seed=draw(st.integers(0, 2**32 - 1)),
        states=states,
        actions=draw(st.sampled_from(_sizes(max_actions))),
        gamma=draw(st.sampled_from(gammas)),
        kind=draw(st.sampled_from(tabular.KINDS)),
        logit_scale=draw(st.sampled_from((1.0, 0.0, 8.0))),
        unreachable=draw(st.integers(0, states - 1)),
    )
    scale = draw(st.sampled_from(reward_scales))
    raw["R"] = [[[x * scale for x in row] for row in block] for block in raw["R"]]
    lam = draw(lambdas(lam_low, lam_high))
    raw["params"] = {"lambda": float(lam), **params}
    return SoftCase(from_mapping(raw), lam)


def vectors(size: int, scale: float = 10.0) -> st.SearchStrategy[list[Fraction]]:
    """Exact vectors with entries in [-scale, scale] (binary64 values)."""
    entry = st.floats(-scale, scale, allow_nan=False, allow_infinity=False).map(Fraction)
    return st.lists(entry, min_size=size, max_size=size)


def tables(rows: int, cols: int, scale: float = 10.0) -> st.SearchStrategy[list[list[Fraction]]]:
    return st.lists(vectors(cols, scale), min_size=rows, max_size=rows)
