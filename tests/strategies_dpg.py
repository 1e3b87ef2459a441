"""Hypothesis strategies for the DPG section's property tests: exact lqr and fsca instances."""

from __future__ import annotations

from hypothesis import strategies as st

from rlspec.oracle.families import fsca, lqr
from rlspec.oracle.instance import Instance, from_mapping

GAMMAS = (0.0, 0.5, 0.9, 0.99, 0.999)
# discounted spectral radii sqrt(gamma) rho(A + B K): 0.999 is near-unstable (conditioning ~500)
RHOS = (0.5, 0.9, 0.99, 0.999)


@st.composite
def lqr_instances(
    draw: st.DrawFn, max_n: int = 3, max_m: int = 2, gammas: tuple[float, ...] = GAMMAS
) -> Instance:
    """Random exact LQR instances, including gamma = 0.999 and near-unstable closed loops."""
    raw = lqr.generate(
        seed=draw(st.integers(0, 2**32 - 1)),
        n=draw(st.integers(1, max_n)),
        m=draw(st.integers(1, max_m)),
        gamma=draw(st.sampled_from(gammas)),
        rho=draw(st.sampled_from(RHOS)),
    )
    return from_mapping(raw)


@st.composite
def fsca_instances(
    draw: st.DrawFn, max_states: int = 4, max_dim: int = 2, gammas: tuple[float, ...] = GAMMAS
) -> Instance:
    """Random exact fsca instances, including gamma = 0.999 and action-independent transitions."""
    raw = fsca.generate(
        seed=draw(st.integers(0, 2**32 - 1)),
        states=draw(st.integers(1, max_states)),
        action_dim=draw(st.integers(1, max_dim)),
        gamma=draw(st.sampled_from(gammas)),
        coupling=draw(st.sampled_from((1.0, 0.0, 3.0))),
    )
    return from_mapping(raw)
