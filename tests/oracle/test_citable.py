"""Citable digits (issue 15): every output is for the instance it names (normalization is said,
never silent; generators emit exact distributions), every entry has its own bound, checked
against values recomputed at much higher precision, and `--dps N` is a promise per entry."""

from __future__ import annotations

import json
import pkgutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mpmath import mp

from rlspec import spec
from rlspec.cli import main
from rlspec.oracle import evaluate as evaluate_module
from rlspec.oracle import families
from rlspec.oracle.errors import InstanceError
from rlspec.oracle.evaluate import arguments, compute, evaluate, leaves
from rlspec.oracle.families import fsca, tabular
from rlspec.oracle.instance import dumps, family_module, parse
from rlspec.reference.numbers import Binary64Array, fixed, fixed_binary64

SEEDS = range(60)


def _family_names() -> list[str]:
    return [m.name for m in pkgutil.iter_modules(families.__path__) if m.name != "common"]


def _options(module: Any, seed: int) -> dict[str, Any]:
    """The family's generation options for one seed: sizes spread over their ranges, and each
    choice (the hard ones included) in turn."""
    rng = np.random.default_rng(seed)
    sizes: dict[str, tuple[int, int]] = getattr(module, "SIZE_OPTIONS", {})
    choices: dict[str, tuple[Any, ...]] = getattr(module, "CHOICE_OPTIONS", {})
    out: dict[str, Any] = {name: int(rng.integers(lo, hi + 1)) for name, (lo, hi) in sizes.items()}
    out.update({name: values[seed % len(values)] for name, values in choices.items()})
    return out


@pytest.mark.parametrize("family", _family_names())
def test_generators_emit_instances_that_need_no_normalization(family: str) -> None:
    """Over many seeds and every option choice, the generated instance is valid as written: no
    probability vector is divided by its sum."""
    module = family_module(family)
    checked = 0
    for seed in SEEDS:
        try:
            raw = module.generate(seed, **_options(module, seed))
        except ValueError:  # options that do not fit together (more unreachable states than states)
            continue
        instance = parse(dumps(raw))
        assert instance.normalized == {}, (family, seed)
        checked += 1
    assert checked >= len(SEEDS) // 2


def test_generated_distributions_sum_to_exactly_one_in_fractions() -> None:
    """The same, checked by hand: mu and every row of P sum to 1 as exact Fractions of the binary64
    numbers written (fsca's mu used to miss by up to an ulp in 448 of 600 instances)."""

    def exact_sum(xs: list[float]) -> Fraction:
        return sum((Fraction(x) for x in xs), Fraction(0))

    for seed in SEEDS:
        f = fsca.generate(seed, states=1 + seed % 6)
        assert exact_sum(f["mu"]) == 1, seed
        t = tabular.generate(seed, **{**_options(tabular, seed), "states": 3, "unreachable": seed % 3})
        assert exact_sum(t["mu"]) == 1, seed
        assert all(exact_sum(row) == 1 for block in t["P"] for row in block), seed


def _two_state(mu: list[Any]) -> dict[str, Any]:
    """Two states, one action: from each state go to state 0 w.p. 1/4 (written as 0.25), reward
    r(s, a, s') = s' + 1, gamma = 1/2."""
    return {
        "family": "tabular",
        "gamma": 0.5,
        "mu": mu,
        "P": [[[0.25, 0.75]], [[0.25, 0.75]]],
        "R": [[[1, 2]], [[1, 2]]],
        "theta": [[0], [0]],
    }


def test_a_decimal_instance_is_either_exact_or_says_it_was_normalized() -> None:
    """mu = [0.3, 0.7] as JSON numbers: the binary64 values sum to 1 - 2^-54, not 1, so the output
    says that mu was normalized; as decimal strings the sum is exactly 1 and nothing is said.
    Either way the value is that of the instance it names: r_pi = 1/4 + 2 * 3/4 = 7/4 in both
    states, so V = 7/4 / (1 - 1/2) = 7/2 and J = sum(mu) * 7/2 for the normalized mu = 7/2."""
    floats = _two_state([0.3, 0.7])
    assert sum(Fraction(x) for x in floats["mu"]) != 1  # the premise of the test
    written = parse(json.dumps(floats))
    result = evaluate("pg.objective", written, 30).to_json()
    assert set(result["normalized"]) == {"mu"}
    assert "divided by its sum" in result["normalized"]["mu"]
    assert "0.99999999999999994449" in result["normalized"]["mu"]  # 1 - 2^-54 to 20 digits
    with mp.workdps(40):
        assert abs(mp.mpf(result["value"]) - mp.mpf(7) / 2) <= mp.mpf(result["error_bound"])
    exact = evaluate("pg.objective", parse(json.dumps(_two_state(["0.3", "0.7"]))), 30).to_json()
    assert "normalized" not in exact
    # a formula that does not read mu is not concerned by its normalization
    assert "normalized" not in evaluate("mdp.v", written, 30).to_json()


def test_normalized_rows_of_P_are_counted() -> None:
    raw = _two_state([0.5, 0.5])
    raw["P"] = [[[0.25, 0.75]], [[0.3, 0.7]]]  # 0.25 + 0.75 is exactly 1 in binary64; 0.3 + 0.7 is not
    instance = parse(json.dumps(raw))
    assert sum(Fraction(x) for x in raw["P"][0][0]) == 1 and sum(Fraction(x) for x in raw["P"][1][0]) != 1
    note = evaluate("mdp.v", instance, 20).to_json()["normalized"]["P"]
    assert note.startswith("1 of 2 rows divided by their sums")


def test_binary64_arrays_convert_exactly() -> None:
    """fixed_binary64 = floor(x 2^bits) computed from Fractions, for normal, subnormal, negative,
    huge and zero entries and for negative `bits`."""
    rng = np.random.default_rng(5)
    xs = np.concatenate([
        rng.normal(size=50) * 10.0 ** rng.integers(-300, 300, size=50),
        [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1.0, -1.0, 0.1],
    ])
    for bits in (0, 3, 64, 700, -20):
        got = [int(v) for v in fixed_binary64(xs, bits)]
        assert got == [fixed(Fraction(float(x)), bits) for x in xs], bits
    array = Binary64Array(xs.reshape(59, 1))
    assert [row[0] for row in array] == [Fraction(float(x)) for x in xs]
    assert array[3] is array[3]  # inner rows are the same object each time (identity caches)
    assert json.loads(json.dumps(array.tolist())) == xs.reshape(59, 1).tolist()


def _true_errors(formula_id: str, instance: Any, value: Any, digits: int) -> list[Any]:
    f = spec.formula(formula_id)
    fine = compute(f, arguments(f, instance), digits)
    with mp.workdps(digits):
        return [abs(mp.mpf(a) - mp.mpf(b)) for a, b in zip(leaves(value), leaves(fine), strict=True)]


PER_ENTRY = (
    "pg.gradient", "mdp.visitation", "soft.policy_star", "npg.softmax_update", "mdp.advantage", "soft.v_pi"
)  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_every_entry_carries_its_digits_against_a_value_at_three_times_the_precision(seed: int) -> None:
    """Near-deterministic policies (probabilities down to e^-80), unreachable states, |A| = 1:
    each entry's own bound contains its true error (the value recomputed at 120 digits), and
    each entry has 30 significant digits, or is within 10^-30 of a possible 0."""
    options = [
        {"policy": "near_deterministic", "logit_scale": 8.0},
        {"unreachable": 2, "kind": "sparse"},
        {"actions": 1},
        {"kind": "deterministic", "logit_scale": 30.0, "gamma": 0.99},
    ][seed]
    raw = tabular.generate(seed, states=5, **{"actions": 3, **options})
    raw["params"] = {"lambda": 0.25, "eta": 0.5}
    instance = parse(dumps(raw))
    target = mp.mpf(10) ** -30
    for fid in PER_ENTRY:
        result = evaluate(fid, instance, 30)
        assert result.error_bounds is not None
        errors = _true_errors(fid, instance, result.value, 120)
        with mp.workdps(120):
            for x, b, e in zip(leaves(result.value), leaves(result.error_bounds), errors, strict=True):
                assert e <= b, (fid, x, b, e)
                assert b <= target * abs(x) or (abs(x) <= b and b <= target), (fid, x, b)
        assert result.error_bound == max(leaves(result.error_bounds))


def test_tiny_gradient_entries_get_relative_bounds_without_more_precision() -> None:
    """pg.gradient is proportional to pi(a|s): its certificate bounds each entry relative to it,
    so probabilities near e^-80 need no extra working digits (the bound of an entry of size
    1e-35 is far below the bound of the largest entry)."""
    raw = tabular.generate(3, states=4, actions=3, logit_scale=40.0)
    result = evaluate("pg.gradient", parse(dumps(raw)), 30)
    sizes = [abs(mp.mpf(x)) for x in leaves(result.value)]
    bounds = [mp.mpf(b) for b in leaves(result.error_bounds)]
    small = min(range(len(sizes)), key=lambda i: sizes[i] or mp.inf)
    assert sizes[small] < mp.mpf(10) ** -20
    assert bounds[small] <= mp.mpf(10) ** -30 * sizes[small] < result.error_bound


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_dps_30_at_gamma_one_minus_two_to_the_minus_40(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """soft.policy_iteration is an estimated formula; at gamma = 1 - 2^-40 its bound used to
    stay at 2.5e-28 for --dps 30. Now every printed entry has 30 digits: checked against the
    value at 90 digits."""
    raw = tabular.generate(0, states=4, actions=3, gamma=1 - 2**-40)
    assert Fraction(raw["gamma"]) == 1 - Fraction(1, 2**40)
    raw["params"] = {"lambda": 0.3, "k": 5}
    path = tmp_path / "instance.json"
    path.write_text(dumps(raw))
    code, out, err = _cli(["oracle", "soft.policy_iteration", "--instance", str(path), "--dps", "30"], capsys)
    assert code == 0, err
    printed = json.loads(out)
    f = spec.formula("soft.policy_iteration")
    instance = parse(dumps(raw))
    fine = compute(f, arguments(f, instance), 90)
    with mp.workdps(90):
        rows = zip(leaves(printed["value"]), leaves(printed["error_bounds"]), leaves(fine), strict=True)
        for x, b, y in rows:
            assert abs(mp.mpf(x) - y) <= mp.mpf(b) <= mp.mpf(10) ** -30 * abs(y)


def test_entries_that_cannot_reach_the_digits_give_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no room to add digits, the same request is refused in one line naming the entries."""
    monkeypatch.setattr(evaluate_module, "MAX_EXTRA_DIGITS", 0)
    raw = tabular.generate(0, states=4, actions=3, gamma=1 - 2**-40)
    raw["params"] = {"lambda": 0.3, "k": 5}
    path = tmp_path / "instance.json"
    path.write_text(dumps(raw))
    code, out, err = _cli(["oracle", "soft.policy_iteration", "--instance", str(path), "--dps", "30"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "could not reach 30 significant digits" in err and "entry 0 = " in err
    assert "Traceback" not in err


def test_the_printed_bounds_cover_the_printed_digits() -> None:
    """error_bounds in the JSON add the rounding of each printed entry: the printed value is
    within the printed bound of the value at 80 digits."""
    raw = tabular.generate(2, states=3, actions=2, logit_scale=20.0)
    instance = parse(dumps(raw))
    printed = evaluate("pg.gradient", instance, 25).to_json()
    f = spec.formula("pg.gradient")
    fine = compute(f, arguments(f, instance), 80)
    with mp.workdps(80):
        rows = zip(leaves(printed["value"]), leaves(printed["error_bounds"]), leaves(fine), strict=True)
        for x, b, y in rows:
            assert abs(mp.mpf(x) - y) <= mp.mpf(b) <= mp.mpf(printed["error_bound"])


@pytest.mark.parametrize(
    ("P", "R", "needle"),
    [
        ([[[1e308, 1e308]], [[0.5, 0.5]]], [[[1, 0]], [[0, 1]]], "P[0][0]: sums to ~1e308"),
        ([[[-0.5, 1.5]], [[0.5, 0.5]]], [[[1, 0]], [[0, 1]]], "P[0][0][0]: is -0.5, a probability must be"),
        ([[[0.5, 0.5]], [[0.5, 0.5]]], [[[1, float("nan")]], [[0, 1]]], "R[0][0][1]: nan is not a finite"),
        ([[[0.5, 0.5]], [[0.5, 0.5]]], [[[1, 2**60 + 1]], [[0, 1]]], None),  # exact route: an exact integer
    ],
)
def test_float64_arrays_are_validated_like_the_exact_route(P: Any, R: Any, needle: str | None) -> None:
    """P and R read as float64 arrays keep the exact route's one-line errors naming the entry."""
    raw = {**_two_state([0.5, 0.5]), "P": P, "R": R}
    if needle is None:
        instance = parse(json.dumps(raw))
        assert instance.data["R"][0][0][1] == 2**60 + 1  # not rounded to binary64
        return
    with pytest.raises(InstanceError) as caught:
        parse(json.dumps(raw))
    assert str(caught.value).startswith(needle)
