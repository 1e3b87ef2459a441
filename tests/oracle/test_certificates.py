"""Every `certified` bound of the MDP core contains the value recomputed at three times the
digits; `estimated` bounds are sane; the bounds survive the edge cases (gamma = 0, |A| = 1,
unreachable states, near-deterministic policies, gamma close to 1)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from mpmath import mp

from rlspec import spec
from rlspec.oracle.evaluate import arguments, compute, evaluate, leaves
from rlspec.oracle.families import tabular
from rlspec.oracle.instance import Instance, from_mapping
from tests.strategies import tabular_instances

CERTIFIED = ("mdp.v", "mdp.q", "mdp.advantage", "mdp.visitation", "pg.objective", "pg.gradient",
             "mdp.v_star", "mdp.q_star")  # fmt: skip
DPS = 40


def true_error(formula_id: str, instance: Instance, value: Any, digits: int) -> Any:
    f = spec.formula(formula_id)
    fine = compute(f, arguments(f, instance), digits)
    with mp.workdps(digits):
        return max((abs(mp.mpf(a) - mp.mpf(b)) for a, b in zip(leaves(value), leaves(fine), strict=True)),
                   default=mp.zero)  # fmt: skip


def test_core_formulas_are_certified() -> None:
    for fid in CERTIFIED:
        f = spec.formula(fid)
        assert f.bound == "certified" and f.certificate is not None, fid


@settings(max_examples=8)
@given(tabular_instances(max_states=4, max_actions=3))
def test_certified_bounds_contain_value_at_three_times_the_digits(inst: Instance) -> None:
    for fid in CERTIFIED:
        result = evaluate(fid, inst, DPS)
        assert result.bound == "certified"
        err = true_error(fid, inst, result.value, 3 * (DPS + 10))
        assert err <= result.error_bound, (fid, err, result.error_bound)
        size = max(abs(mp.mpf(x)) for x in leaves(result.value))
        assert result.error_bound <= mp.mpf(10) ** (-DPS + 6) * (1 + size)


@pytest.mark.parametrize(
    "options",
    [
        {"gamma": 0.0},
        {"gamma": 0.999, "kind": "absorbing"},
        {"actions": 1, "gamma": 0.99},
        {"unreachable": 2, "kind": "sparse", "gamma": 0.9},
        {"logit_scale": 30.0, "kind": "deterministic", "gamma": 0.99},
    ],
    ids=["gamma0", "gamma0.999-absorbing", "one-action", "unreachable-sparse", "near-deterministic"],
)
def test_certified_bounds_on_edge_cases(options: dict[str, Any]) -> None:
    inst = from_mapping(tabular.generate(11, states=4, actions=options.pop("actions", 3), **options))
    for fid in CERTIFIED:
        result = evaluate(fid, inst, 30)
        assert true_error(fid, inst, result.value, 120) <= result.error_bound, fid


def test_bound_is_rigorous_for_gamma_extremely_close_to_one() -> None:
    """gamma = 1 - 10^-30 (exact decimal): float64 rounds it to 1, so the float64 factorization is
    useless and the solver falls back to an exact LU; the certificate still holds."""
    raw = tabular.generate(3, states=3, actions=2)
    raw["gamma"] = "0.999999999999999999999999999999"
    inst = from_mapping(raw)
    for fid in ("mdp.v", "mdp.visitation"):
        result = evaluate(fid, inst, 40)
        assert true_error(fid, inst, result.value, 150) <= result.error_bound, fid


@settings(max_examples=10)
@given(tabular_instances(max_states=3, max_actions=3, theta_new=[[0.5, -1.0, 0.25]] * 3))
def test_stationary_estimate_and_pdl_certificate_contain_value(inst: Instance) -> None:
    s, a = len(inst.data["P"]), len(inst.data["P"][0])
    inst.params["theta_new"] = [[x for x in row[:a]] for row in inst.params["theta_new"][:s]]
    inst.checked.pop("params.theta_new", None)
    for fid, kind in (("mdp.stationary", "estimated"), ("pg.performance_difference", "certified")):
        result = evaluate(fid, inst, 25)
        assert result.bound == kind
        assert true_error(fid, inst, result.value, 105) <= result.error_bound, fid


def test_printed_bound_is_rounded_up() -> None:
    inst = from_mapping(tabular.generate(5, states=3, actions=2, gamma=0.9))
    result = evaluate("mdp.v", inst, 30)
    printed = result.to_json()
    with mp.workdps(60):
        assert mp.mpf(printed["error_bound"]) >= result.error_bound
        assert len(printed["value"]) == 3 and all(len(x.replace("-", "").replace(".", "")) >= 30
                                                   for x in printed["value"])  # fmt: skip
