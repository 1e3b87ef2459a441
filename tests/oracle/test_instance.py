"""Exact instance JSON and the tabular family's random instances."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.families import tabular
from rlspec.oracle.instance import dumps, from_mapping, parse, to_json_value


def test_json_number_is_its_exact_binary64_value_and_strings_are_exact() -> None:
    inst = parse(json.dumps({**tabular.generate(0, states=2, actions=1), "gamma": 0.1}))
    assert inst.data["gamma"] == Fraction(0.1) != Fraction(1, 10)
    inst = parse(json.dumps({**tabular.generate(0, states=2, actions=1), "gamma": "0.1"}))
    assert inst.data["gamma"] == Fraction(1, 10)
    inst = parse(json.dumps({**tabular.generate(0, states=2, actions=1), "gamma": "1/3"}))
    assert inst.data["gamma"] == Fraction(1, 3)


def test_json_values_round_trip() -> None:
    assert to_json_value(Fraction(0.1)) == 0.1
    assert to_json_value(Fraction(1, 3)) == "1/3"
    assert to_json_value([Fraction(2), Fraction(1, 2)]) == [2, 0.5]
    raw = tabular.generate(4, states=3, actions=2)
    assert parse(dumps(from_mapping(raw))).to_json() == from_mapping(raw).to_json()


@pytest.mark.parametrize("kind", tabular.KINDS)
def test_generated_instances_are_valid_and_deterministic(kind: str) -> None:
    a = tabular.generate(9, states=5, actions=3, kind=kind, unreachable=2)
    assert dumps(a) == dumps(tabular.generate(9, states=5, actions=3, kind=kind, unreachable=2))
    inst = from_mapping(a)
    P = np.array(a["P"])
    assert np.all(P[:, :, 3:] == 0) and np.all(np.array(a["mu"])[3:] == 0)  # unreachable states
    for s in range(5):
        for b in range(3):
            assert sum(inst.data["P"][s][b]) == 1
            support = np.count_nonzero(P[s, b])
            if kind == "deterministic":
                assert support == 1
            if kind == "sparse":
                assert support <= 2
    if kind == "absorbing":
        assert np.all(P[0, :, 0] >= 0.99)


def test_generated_rows_are_exactly_stochastic_binary64() -> None:
    """The generator puts the rounding slack on one entry, so rows sum to exactly 1 in binary64
    (validation then keeps the exact binary64 values: no renormalization)."""
    raw = tabular.generate(2, states=6, actions=4)
    for block in raw["P"]:
        for row in block:
            assert sum(Fraction(x) for x in row) == 1


def test_one_action_and_sizes() -> None:
    inst = from_mapping(tabular.generate(1, states=3, actions=1))
    assert tabular.sizes(inst) == {"S": 3, "A": 1, "S*A": 3}


def test_bad_generate_options() -> None:
    with pytest.raises(ValueError):
        tabular.generate(1, kind="nope")
    with pytest.raises(ValueError):
        tabular.generate(1, states=2, unreachable=2)


def test_theta_or_pi_required() -> None:
    raw = tabular.generate(1, states=2, actions=2)
    del raw["theta"]
    with pytest.raises(InstanceError, match="theta"):
        from_mapping(raw)


def test_bundled_examples_evaluate_every_mdp_formula() -> None:
    """spec/examples/*.json (tabular) are valid and every MDP-core formula evaluates on them (the
    PDL on the one that carries params.theta_new), to within its bound of the same value at
    twice the digits."""
    from pathlib import Path

    from mpmath import mp

    from rlspec.oracle.evaluate import evaluate, leaves
    from rlspec.oracle.instance import load
    from rlspec.spec.sections.mdp import FORMULAS

    for path in sorted((Path(__file__).resolve().parents[2] / "spec" / "examples").glob("tabular-*.json")):
        inst = load(path)
        for f in FORMULAS:
            if not all(inst.has(a.source) for a in f.args):
                continue
            coarse, fine = evaluate(f.id, inst, 20), evaluate(f.id, inst, 40)
            with mp.workdps(50):
                for x, y in zip(leaves(coarse.value), leaves(fine.value), strict=True):
                    gap = abs(mp.mpf(x) - mp.mpf(y))
                    assert gap <= coarse.error_bound + fine.error_bound, (path.name, f.id)
