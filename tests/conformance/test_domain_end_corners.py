"""The hard corners at the ends of accepted domains (issue 12): each corner instance has the
property its name promises, checked on the instance itself, and is a valid instance."""

from __future__ import annotations

import numpy as np
import pytest

from rlspec import spec
from rlspec.conformance_tests.strategies import corner_examples
from rlspec.oracle.instance import from_mapping


def corner(formula_id: str, name: str, seed: int) -> dict[str, object]:
    draws = [d for d in corner_examples(spec.formula(formula_id), seed) if d.corner == name]
    assert len(draws) == 1, name
    from_mapping(draws[0].raw)  # a valid instance
    return draws[0].raw


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fsca_mu_zero_on_a_reached_state(seed: int) -> None:
    raw = corner("fsca.gradient", "mu_zero_on_reached_states", seed)
    mu = np.asarray(raw["mu"])
    # every state is reached: P(s'|s, a) = softmax(L + G a) > 0 for every s'
    assert (mu == 0).any() and (mu > 0).any() and len(mu) >= 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tabular_extreme_scales(seed: int) -> None:
    raw = corner("pg.gradient", "extreme_scales", seed)
    theta = np.asarray(raw["theta"])
    assert (np.abs(theta).max(axis=1) > 709.0).all()  # exp overflows (or underflows) on every row
    spread = theta.max(axis=1) - theta.min(axis=1)
    assert (spread <= 40.0).all()  # the offset is per state: log pi itself spans [-40, 0] (graded)
    P, mu = np.asarray(raw["P"]), np.asarray(raw["mu"])
    assert mu[-1] == 0 and 0 < P[:, :, -1].max() < 1e-3  # the last state: entered, but rarely


@pytest.mark.parametrize(("name", "low", "high"), [("log_std_floor", -50, -40), ("log_std_ceiling", 40, 50)])
def test_dist_gaussian_log_std_at_both_ends(name: str, low: float, high: float) -> None:
    log_std = np.asarray(corner("dist.objective_gaussian", name, 0)["log_std"])
    assert ((low <= log_std) & (log_std <= high)).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_log_ratio_far_beyond_any_clamp(seed: int) -> None:
    params = corner("ppo.clip_objective_batch", "params_high", seed)["params"]
    assert isinstance(params, dict)
    new, old = np.asarray(params["logp_new"]), np.asarray(params["logp_old"])
    assert (np.abs(new - old) >= 20.0).all() and (new <= 0).all() and (old <= 0).all()


def test_second_categorical_far_from_the_first() -> None:
    raw = corner("dist.kl_categorical", "params_high", 0)
    params = raw["params"]
    assert isinstance(params, dict)
    assert (np.abs(np.asarray(params["theta_new"]) - np.asarray(raw["theta"])) >= 20.0).all()
