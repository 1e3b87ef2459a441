"""The float32 precision profile (conformance_tests/precision.py) and --stable-shapes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rlspec.conformance_tests.precision import FLOAT32, FLOAT64, GRID, profile
from rlspec.conformance_tests.strategies import family_corners, family_options, stable_sizes
from rlspec.conformance_tests.worker import decode
from rlspec.oracle.errors import UsageError
from rlspec.oracle.instance import from_mapping
from rlspec.oracle.sampling import sample_instance
from rlspec.spec import formulas
from tests.conformance.helpers import IMPLS, by_id, conform

FLOAT32_EXAMPLE = str(IMPLS / "float32_example.py")
FLOAT32_MUTANT = str(IMPLS / "float32_mutant.py")
# one formula per family the float32 example is checked on in every seed (the full run is in
# CONFORMANCE.md: all formulas, seeds 0 to 4)
SPREAD = (
    "mdp.v,pg.gradient,trpo.line_search_backtracks,ppo.clip_objective_batch,"
    "sac.tanh_gaussian_log_prob,lqr.value"
)


def floats(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in floats(v)]
    if isinstance(value, list):
        return [x for v in value for x in floats(v)]
    return [value] if isinstance(value, float) else []


def test_profiles_by_name_and_a_bad_name_is_one_line() -> None:
    assert profile("float32") is FLOAT32 and profile("float64") is FLOAT64
    assert FLOAT32.eps == 2.0**-23 and FLOAT64.eps == 2.0**-52
    with pytest.raises(UsageError, match="float16"):
        profile("float16")


@pytest.mark.parametrize("seed", range(20))
def test_probability_rows_stay_exact_distributions_of_float32_numbers(seed: int) -> None:
    rng = np.random.default_rng(seed)
    row = list(rng.dirichlet(np.full(6, 0.3)))
    row[seed % 6] = 0.0
    row[(seed + 1) % 6] = 1e-12  # below float32's resolution next to 1
    total = sum(row)
    row = [p / total for p in row]
    rounded = FLOAT32.instance({"mu": row})["mu"]
    assert sum(Fraction(p) for p in rounded) == 1
    assert all(float(np.float32(p)) == p for p in rounded)
    assert [p > 0 for p in rounded] == [p > 0 for p in row]
    assert max(abs(a - b) for a, b in zip(rounded, row, strict=True)) <= len(row) / GRID


@pytest.mark.parametrize("seed", range(5))
def test_a_float32_tabular_instance_is_float32_numbers_the_oracle_accepts(seed: int) -> None:
    tabular = [f for f in formulas() if f.family == "tabular"]
    raw = sample_instance("tabular", seed, {}, tabular)
    rounded = FLOAT32.instance(raw)
    values = floats(rounded)
    assert values and all(float(np.float32(x)) == x for x in values)
    from_mapping(rounded)  # P's rows and mu still validate (sum to exactly 1)
    assert FLOAT64.instance(raw) is raw


def test_worker_hands_float32_arguments_under_the_float32_profile() -> None:
    array = decode([0.1, 0.2], [2], "float32")
    scalar = decode([0.5], [], "float32")
    assert array.dtype == np.float32 and isinstance(scalar, np.float32)
    assert isinstance(decode([0.5], [], "float64"), float)


def test_answers_beyond_float32_range_are_not_float32_instances() -> None:
    assert FLOAT32.represents(np.array([3.0e38])) and not FLOAT32.represents(np.array([1.0, 4.0e38]))
    assert FLOAT64.represents(np.array([4.0e38]))
    # H_jj std_j^2 at log_std = 44.7 is 6.4e38: beyond float32 although the answer (1.9e38) is not
    assert not FLOAT32.admits(np.array([1.9e38]), lambda: 6.4e38)
    assert FLOAT32.admits(np.array([1.9e38]), lambda: 3.0e38)
    assert FLOAT64.admits(np.array([1e300]), lambda: 1 / 0)  # the scale is not even computed


@pytest.mark.parametrize("seed", range(5))
def test_float32_example_conforms_in_the_float32_profile(tmp_path: Path, seed: int) -> None:
    args = ("--dtype", "float32", "--formulas", SPREAD, "--examples", "8", "--seed", str(seed))
    status, doc, _, _ = conform(FLOAT32_EXAMPLE, *args, tmp=tmp_path)
    rows = by_id(doc)
    assert status == 0, {k: v["message"] for k, v in rows.items() if v["status"] != "pass"}
    assert doc["profile"] == "float32"


def test_float32_example_really_computes_in_float32(tmp_path: Path) -> None:
    """Second route: judged as float64 code, the float32 example fails by float32 rounding (far
    beyond float64's tolerance), so the float32 profile's pass is not float64 arithmetic."""
    status, doc, _, _ = conform(FLOAT32_EXAMPLE, "--formulas", "mdp.v", "--examples", "5", tmp=tmp_path)
    assert status == 1 and by_id(doc)["mdp.v"]["failure"]["units"] > 1e5


def test_float32_mutant_with_sb3_epsilon_fails_in_the_float32_profile(tmp_path: Path) -> None:
    args = ("--dtype", "float32", "--formulas", "sac.tanh_gaussian_log_prob,sac.q_target", "--examples", "10")
    status, doc, out, _ = conform(FLOAT32_MUTANT, *args, tmp=tmp_path)
    rows = by_id(doc)
    assert status == 1
    assert rows["sac.tanh_gaussian_log_prob"]["status"] == "fail"
    assert rows["sac.q_target"]["status"] == "pass"  # the rest of the mutant is the float32 example
    assert "units of eps32 * scale" in rows["sac.tanh_gaussian_log_prob"]["message"]
    assert "float32 profile" in out


def test_junit_and_gradescope_name_the_profile(tmp_path: Path) -> None:
    junit, gradescope = tmp_path / "j.xml", tmp_path / "g.json"
    args = ("--dtype", "float32", "--formulas", "ppo.ratio", "--examples", "3")
    conform(FLOAT32_EXAMPLE, *args, "--junit", str(junit), "--gradescope", str(gradescope), tmp=tmp_path)
    properties = {p.get("name"): p.get("value") for p in ET.parse(junit).iter("property")}
    assert properties["profile"] == "float32"
    assert "(float32)" in gradescope.read_text()


def test_vectors_are_float64_instances(tmp_path: Path) -> None:
    args = ("--dtype", "float32", "--vectors", str(tmp_path))
    status, _, _, err = conform(FLOAT32_EXAMPLE, *args, tmp=tmp_path)
    assert status == 2 and "--vectors" in err


@pytest.mark.parametrize("seed", range(4))
def test_stable_sizes_keep_both_ends_and_at_most_three(seed: int) -> None:
    for family in ("batch", "tabular", "lqr"):
        ranges, _ = family_options(family)
        chosen = stable_sizes(family, seed)
        for name, (lo, hi) in ranges.items():
            assert chosen[name][0] == lo and chosen[name][-1] == hi and len(chosen[name]) <= 3
            assert all(lo <= v <= hi for v in chosen[name])
        assert stable_sizes(family, seed) == chosen


def test_stable_shapes_run_draws_only_the_chosen_batch_sizes(tmp_path: Path) -> None:
    impl = tmp_path / "sizes.py"
    log = tmp_path / "sizes.txt"
    impl.write_text(
        "import numpy as np\n"
        "def ddpg_soft_update(theta, theta_target, tau):\n"
        f"    open({str(log)!r}, 'a').write(f'{{len(theta)}}\\n')\n"
        "    return tau * theta + (1 - tau) * theta_target\n"
    )
    args = ("--formulas", "ddpg.soft_update", "--stable-shapes", "--seed", "3", "--examples", "30")
    status, _, _, _ = conform(str(impl), *args, tmp=tmp_path)
    assert status == 0
    seen = {int(line) for line in log.read_text().split()}
    _, corner_sizes = family_corners("batch")
    assert seen <= set(stable_sizes("batch", 3)["batch"]) | set(corner_sizes.values())
