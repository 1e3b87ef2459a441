"""rlspec.oracle.sampling and the suite's strategies: deterministic, in-domain, covering every family."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from rlspec.conformance_tests.runner import registry
from rlspec.conformance_tests.strategies import corner_examples, family_corners, family_options, formula_draws
from rlspec.oracle.instance import from_mapping
from rlspec.oracle.sampling import resolve_shape, sample_domain, sample_instance
from rlspec.spec.formula import Arg, Formula, Tolerance


def _formula(*args: Arg, family: str = "batch") -> Formula:
    return Formula(
        id="test.f", section="s", title="t", latex="", equation="", family=family, args=args,
        output_shape=(), tolerance=Tolerance("t", 1.0, "1.0", ""), reference="x:y",
    )  # fmt: skip


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize(
    ("domain", "low", "high"),
    [
        ("reward", -1.0, 1.0),
        ("unit_open", 0.0, 1.0),
        ("clip_epsilon", 0.05, 0.5),
        ("step_size", 0.01, 2.0),
        ("temperature", 1e-3, 1e1),
        ("int:2..5", 2.0, 5.0),
        ("flag", 0.0, 1.0),
        ("positive", 0.0, math.inf),
        ("log_prob", -math.inf, 0.0),
    ],
)
def test_domains_stay_in_range(domain: str, low: float, high: float) -> None:
    x = np.asarray(sample_domain(_rng(), domain, (400,)))
    assert x.shape == (400,) and x.dtype == np.float64
    assert np.all(x >= low) and np.all(x <= high)
    if domain in ("unit_open", "positive"):
        assert np.all(x > 0)
    if domain.startswith("int") or domain == "flag":
        assert np.all(x == np.round(x)) and len(set(x.tolist())) == int(high - low) + 1


def test_scalar_domain_is_a_python_float_and_distribution_sums_to_one() -> None:
    assert isinstance(sample_domain(_rng(), "real", ()), float)
    d = np.asarray(sample_domain(_rng(), "distribution", (3, 5)))
    assert d.shape == (3, 5) and np.allclose(d.sum(axis=1), 1.0) and np.all(d >= 0)


def test_logits_near_is_near_its_base_and_shared_params_are_sampled_once() -> None:
    base = Arg("theta", ("N",), "params.theta", "", domain="logits")
    near = Arg("theta_new", ("N",), "params.theta_new", "", domain="logits_near:theta")
    raw = sample_instance("batch", 3, {"batch": 5}, [_formula(base, near), _formula(base)])
    theta, theta_new = np.array(raw["params"]["theta"]), np.array(raw["params"]["theta_new"])
    assert theta.shape == (5,) and theta_new.shape == (5,)
    assert 0 < np.max(np.abs(theta_new - theta)) < 0.3 * 6


def test_real_at_a_temperature_is_on_its_scale_in_half_the_draws_and_at_its_low_end() -> None:
    values = Arg("Q", ("N",), "params.Q", "", domain="real_at:lam")
    lam = Arg("lam", (), "params.lam", "", domain="temperature")
    f = _formula(values, lam)  # Q comes first: lam is drawn for it, then kept

    def ratio(seed: int, options: dict[str, Any]) -> float:
        params = sample_instance("batch", seed, {"batch": 64, **options}, [f])["params"]
        assert 1e-5 <= params["lam"] <= 1e3
        return float(np.std(params["Q"]) / params["lam"])

    free = [ratio(seed, {}) for seed in range(200)]
    on_scale = sum(1 for r in free if 2 < r < 8)  # 4 lam N(0, 1): a standard deviation near 4 lam
    assert 70 < on_scale < 130
    for seed in range(20):  # at the low end: even entries on lam's scale, odd ones far beyond it
        low = sample_instance("batch", seed, {"batch": 64, "param_end": "low"}, [f])["params"]
        q = np.asarray(low["Q"])
        assert 1e-5 <= low["lam"] <= 1e-4
        assert 2 < np.std(q[::2]) / low["lam"] < 8 and np.std(q[1::2]) > 0.5


def test_sampling_is_deterministic_in_the_seed() -> None:
    arg = Arg("adv", ("N",), "params.adv", "", domain="real")
    f = _formula(arg)
    assert sample_instance("batch", 11, {"batch": 4}, [f]) == sample_instance("batch", 11, {"batch": 4}, [f])
    assert sample_instance("batch", 11, {"batch": 4}, [f]) != sample_instance("batch", 12, {"batch": 4}, [f])


def test_shapes_resolve_products_and_unknown_symbols_consistently() -> None:
    dims = {"S": 3, "A": 2}
    assert resolve_shape(("S*A", "S"), dims, _rng()) == (6, 3)
    k = resolve_shape(("K",), dims, _rng())[0]
    assert 1 <= k <= 4 and resolve_shape(("K", "K"), dims, _rng()) == (k, k)


def test_unknown_domain_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown parameter domain"):
        sample_domain(_rng(), "no_such_domain", ())


@pytest.mark.parametrize("family", sorted({f.family for f in registry()}))
def test_every_family_has_options_and_valid_draws(family: str) -> None:
    formulas = tuple(f for f in registry() if f.family == family)
    sizes, choices = family_options(family)
    assert all(lo <= hi for lo, hi in sizes.values())
    assert all(len(c) >= 1 for c in choices.values())

    @settings(max_examples=4, database=None)
    @given(formula_draws(formulas[0]))
    def check(draw: Any) -> None:
        instance = from_mapping(draw.raw)  # validates
        assert instance.family == family
        for arg in formulas[0].args:
            assert instance.has(arg.source)

    check()


# ---- hard corners -------------------------------------------------------------------------------


def _reached(raw: dict[str, Any]) -> Any:
    """States reached from mu's support along P > 0 (by breadth-first search, from the raw lists)."""
    P, mu = np.asarray(raw["P"]), np.asarray(raw["mu"])
    seen = set(np.flatnonzero(mu > 0).tolist())
    frontier = list(seen)
    while frontier and raw["gamma"] > 0:
        s = frontier.pop()
        for t in np.flatnonzero(P[s].sum(axis=0) > 0).tolist():
            if t not in seen:
                seen.add(t)
                frontier.append(t)
    return np.array([s in seen for s in range(len(mu))])


def _closed_classes(raw: dict[str, Any]) -> int:
    """The number of closed communicating classes of the support of P (any action)."""
    support = np.asarray(raw["P"]).sum(axis=1) > 0
    n = len(support)
    reach = support | np.eye(n, dtype=bool)
    for k in range(n):  # transitive closure (Warshall)
        reach |= reach[:, [k]] & reach[[k], :]
    classes = {frozenset(np.flatnonzero(reach[s] & reach[:, s]).tolist()) for s in range(n)}
    return sum(1 for c in classes if all(set(np.flatnonzero(reach[s]).tolist()) <= c for s in c))


TABULAR_CORNER_CHECKS = {
    "near_deterministic_policy": lambda raw: bool(
        (np.asarray(raw["theta"]) - np.max(raw["theta"], axis=1, keepdims=True) < -20).any()
    ),
    "gamma_near_one": lambda raw: raw["gamma"] == 0.999,
    "gamma_zero": lambda raw: raw["gamma"] == 0.0,
    "mu_zero_on_reached_states": lambda raw: bool((_reached(raw) & (np.asarray(raw["mu"]) == 0)).any()),
    "unreachable_states": lambda raw: not _reached(raw).all(),
    "several_recurrent_classes": lambda raw: _closed_classes(raw) >= 2,
    "deterministic_P": lambda raw: bool(np.all(np.max(raw["P"], axis=2) == 1.0)),
    "uniform_policy": lambda raw: bool(np.all(np.ptp(raw["theta"], axis=1) == 0)),
    "params_low": lambda raw: raw["params"]["max_backtracks"] == 0 and raw["params"]["beta"] < 1e-3,
    "params_high": lambda raw: raw["params"]["max_backtracks"] == 10 and raw["params"]["beta"] > 1 - 1e-3,
}


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_tabular_corners_have_their_property_on_several_states_and_actions(seed: int) -> None:
    f = next(f for f in registry() if f.id == "trpo.line_search_backtracks")
    draws = corner_examples(f, seed)
    assert [d.corner for d in draws] == list(family_corners("tabular")[0])
    for d in draws:
        theta = np.asarray(d.raw["theta"])
        assert theta.shape[0] >= 3 and theta.shape[1] >= 2, d.corner
        check = TABULAR_CORNER_CHECKS.get(str(d.corner))
        assert check is None or check(d.raw), d.corner
        from_mapping(d.raw)  # a valid instance


def test_every_formula_gets_every_corner_of_its_family() -> None:
    for f in registry():
        names = [d.corner for d in corner_examples(f, 3)]
        assert names == list(family_corners(f.family)[0]), f.id


def test_corners_follow_the_run_seed() -> None:
    f = next(f for f in registry() if f.id == "mdp.v")
    assert [d.raw for d in corner_examples(f, 5)] == [d.raw for d in corner_examples(f, 5)]
    assert [d.raw for d in corner_examples(f, 5)] != [d.raw for d in corner_examples(f, 6)]
    assert len(corner_examples(f, 5, limit=4)) == 4


def test_param_ends_reach_both_ends_of_each_domain() -> None:
    flag = Arg("done", ("N",), "params.done", "", domain="flag")
    count = Arg("k", (), "params.k", "", domain="int:2..9")
    rate = Arg("tau", (), "params.tau", "", domain="unit_open")
    f = _formula(flag, count, rate)
    low = sample_instance("batch", 1, {"batch": 5, "param_end": "low"}, [f])["params"]
    high = sample_instance("batch", 1, {"batch": 5, "param_end": "high"}, [f])["params"]
    assert low["done"] == [0.0] * 5 and high["done"] == [1.0] * 5
    assert (low["k"], high["k"]) == (2.0, 9.0)
    assert 0 < low["tau"] <= 1e-3 and 1 - 1e-3 <= high["tau"] < 1
