"""The command line: bad input of every class exits 2 with one line naming the key (never a
traceback); `rlspec generate` is deterministic and its output is accepted by `rlspec oracle`;
`rlspec oracle` prints the JSON object of DESIGN.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mpmath import mp

from rlspec.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "spec" / "examples" / "tabular-2state.json"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def good() -> dict[str, Any]:
    return dict(json.loads(EXAMPLE.read_text()))


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "instance.json"
    path.write_text(text)
    return str(path)


def with_change(key: str, value: Any) -> str:
    raw = good()
    if value is None:
        del raw[key]
    else:
        raw[key] = value
    return json.dumps(raw)


BAD = {
    "malformed-json": ('{"family": "tabular", "gamma": 0.9,', "(json)"),
    "wrong-shape": (with_change("R", [[[1, 0], [0, 2]]]), "R"),
    "ragged": (with_change("theta", [[0, 0], [0]]), "theta[1]"),
    "p-row-not-summing-to-1": (with_change("P", [[[1, 0], [0, 1]], [[0, 1], [0.5, 0.4]]]), "P[1][1]"),
    "negative-probability": (with_change("mu", [1.5, -0.5]), "mu[1]"),
    "gamma-one": (with_change("gamma", 1), "gamma"),
    "gamma-negative": (with_change("gamma", "-1/2"), "gamma"),
    "nan": (with_change("gamma", "NaN").replace('"NaN"', "NaN"), "gamma"),
    "infinity": (with_change("mu", "X").replace('"X"', "[Infinity, 0]"), "mu[0]"),
    "not-a-number": (with_change("gamma", "nine tenths"), "gamma"),
    "missing-key": (with_change("R", None), "R"),
    "unknown-family": (json.dumps({**good(), "family": "tabulr"}), "family"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_instance_exits_2_with_one_line_naming_the_key(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, key = BAD[case]
    code, out, err = run(["oracle", "mdp.v", "--instance", write(tmp_path, text)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert key in err, err


def test_missing_param_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, json.dumps(good()))
    code, _, err = run(["oracle", "pg.performance_difference", "--instance", path], capsys)
    assert code == 2 and err.count("\n") == 1 and "params.theta_new" in err


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["oracle", "mdp.nope", "--instance", str(EXAMPLE)], "mdp.nope"),
        (["oracle", "mdp.v", "--instance", "/nonexistent/x.json"], "/nonexistent/x.json"),
        (["oracle", "mdp.v", "--instance", str(EXAMPLE), "--dps", "0"], "--dps"),
        (["generate", "tabular", "--seed", "1", "--colour", "red"], "--colour"),
        (["generate", "tabular", "--seed", "1", "--formula", "nope.x"], "nope.x"),
        (["generate", "tabular", "--seed", "1", "--kind", "weird"], "kind"),
        (["generate", "tabular", "--seed", "1", "--gamma", "1.5"], "gamma"),
        (["generate", "fsca", "--seed", "1", "--gamma", "-1"], "gamma"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_oracle_prints_the_design_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["oracle", "mdp.v", "--instance", str(EXAMPLE), "--dps", "50"], capsys)
    assert code == 0
    obj = json.loads(out)
    assert set(obj) == {"formula", "dps", "value", "error_bound", "bound", "error_bounds"}
    assert obj["formula"] == "mdp.v" and obj["dps"] == 50 and obj["bound"] == "certified"
    with mp.workdps(60):
        for x, b in zip(obj["value"], obj["error_bounds"], strict=True):  # V = 15 in both states
            assert abs(mp.mpf(x) - 15) <= mp.mpf(b) <= mp.mpf(obj["error_bound"])
            assert len(x.replace(".", "").lstrip("0")) >= 50


def test_list_names_every_formula(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["list", "--json"], capsys)
    ids = {row["id"] for row in json.loads(out)}
    assert code == 0 and {"mdp.v", "mdp.stationary", "pg.performance_difference", "mdp.v_star"} <= ids


def test_generate_is_byte_identical_across_processes_and_accepted_by_oracle(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "rlspec", "generate", "tabular", "--seed", "7"]
    argv += ["--states", "4", "--actions", "3"]
    first = subprocess.run(argv, capture_output=True, check=True, cwd=ROOT).stdout
    second = subprocess.run(argv, capture_output=True, check=True, cwd=ROOT).stdout
    assert first == second and first
    path = tmp_path / "seed7.json"
    path.write_bytes(first)
    done = subprocess.run(
        [sys.executable, "-m", "rlspec", "oracle", "mdp.q", "--instance", str(path), "--dps", "30"],
        capture_output=True, cwd=ROOT, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    assert obj["bound"] == "certified" and len(obj["value"]) == 4 and len(obj["value"][0]) == 3


def test_generate_with_formula_adds_its_params(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["generate", "tabular", "--seed", "3", "--states", "3", "--actions", "2",
            "--formula", "pg.performance_difference"]  # fmt: skip
    code, out, _ = run(argv, capsys)
    assert code == 0 and "theta_new" in json.loads(out)["params"]
    path = write(tmp_path, out)
    code, out, err = run(["oracle", "pg.performance_difference", "--instance", path, "--dps", "20"], capsys)
    assert code == 0, err
    assert json.loads(out)["bound"] == "certified"


def test_huge_string_numbers_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """"1e400" is an exact decimal beyond the binary64 range: the messages must not convert it to float."""
    for text, key in [(with_change("gamma", "1e400"), "gamma"), (with_change("mu", ["1e400", 0]), "mu")]:
        code, out, err = run(["oracle", "mdp.v", "--instance", write(tmp_path, text)], capsys)
        assert code == 2 and out == "" and err.count("\n") == 1 and key in err and "1e400" in err, err


def test_rewards_near_the_binary64_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every reward 1e308 (a valid binary64 number): V = 1e308 / (1 - 9/10) = 10 * 1e308 exactly,
    in both states (the fixed-point scaling of R must cope with |R| >> 2^bits)."""
    raw = good()
    raw["R"] = [[[1e308, 1e308], [1e308, 1e308]], [[1e308, 1e308], [1e308, 1e308]]]
    path = write(tmp_path, json.dumps(raw))
    code, out, err = run(["oracle", "mdp.v", "--instance", path, "--dps", "20"], capsys)
    assert code == 0, err
    obj = json.loads(out)
    with mp.workdps(40):
        exact = 10 * mp.mpf(1e308)
        for x in obj["value"]:
            assert abs(mp.mpf(x) - exact) <= mp.mpf(obj["error_bound"]) <= exact * mp.mpf(10) ** -19


PARAM_BAD = [
    ("trpo.step", {"delta": -0.1}, "params.delta"),
    ("trpo.line_search", {"beta": 1.5}, "params.beta"),
    ("trpo.line_search", {"max_backtracks": 2.5}, "params.max_backtracks"),
    ("trpo.conjugate_gradient", {"damping": -1}, "params.damping"),
    ("ppo.clip_objective", {"epsilon": -0.2}, "params.epsilon"),
]
BATCH_BAD = [
    ({"gamma": 1}, "params.gamma"),
    ({"gamma": -0.5}, "params.gamma"),
    ({"tau": 2}, "params.tau"),
    ({"alpha": -1}, "params.alpha"),
    ({"epsilon": -0.1}, "params.epsilon"),
    ({"done": [0, 0.5]}, "params.done[1]"),
]


@pytest.mark.parametrize("formula, params, key", PARAM_BAD)
def test_tabular_params_out_of_their_domain(
    formula: str, params: dict[str, Any], key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps({**good(), "params": params})
    code, out, err = run(["oracle", formula, "--instance", write(tmp_path, text)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and key in err, err


@pytest.mark.parametrize("params, key", BATCH_BAD)
def test_batch_params_out_of_their_domain(
    params: dict[str, Any], key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps({"family": "batch", "params": params})
    code, out, err = run(["oracle", "ddpg.critic_target", "--instance", write(tmp_path, text)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and key in err, err


def test_generate_too_large_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["generate", "tabular", "--seed", "1", "--states", "100000000"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "memory" in err


def test_a_step_count_beyond_the_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps({**good(), "params": {"lambda": 1, "k": 1e308}})
    code, out, err = run(["oracle", "soft.policy_iteration", "--instance", write(tmp_path, text)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "params.k" in err, err


def test_logits_too_extreme_for_the_reference_give_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    params = {"theta_new": [[0, 0], [0, 0]], "delta": 0.01}
    raw = {**good(), "theta": [[1e308, -1e308], [0, 0]], "params": params}
    code, out, err = run(["oracle", "trpo.step", "--instance", write(tmp_path, json.dumps(raw))], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "trpo.step" in err, err


def test_a_log_std_beyond_the_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(["generate", "gaussian_policy", "--seed", "1"], capsys)
    raw = json.loads(text)
    raw["log_std"][0][0] = 300.0
    path = write(tmp_path, json.dumps(raw))
    code, out, err = run(["oracle", "sac.squashed_policy_objective", "--instance", path], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "log_std[0][0]" in err, err


# ---- the command line that teaches: list, show, stub, generate --help ----------------------


def test_list_takes_globs_with_exclusion_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["list", "ppo.*,!ppo.clip*", "--json"], capsys)
    assert code == 0
    assert [row["id"] for row in json.loads(out)] == ["ppo.ratio", "ppo.surrogate"]
    assert json.loads(out)[0]["adapter"] == "ppo_ratio" and json.loads(out)[0]["section"] == "ppo"
    code, out, _ = run(["list", "mdp.v"], capsys)
    title = "Natural Policy Gradient (NPG): state value V^pi"
    assert code == 0 and out.split() == ["mdp.v", *title.split()]


def test_a_typo_in_an_id_gets_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["show", "ppo.clip_objective_bach"], ["list", "ppo.clip_objective_bach"]):
        code, out, err = run(argv, capsys)
        assert code == 2 and out == "" and len(err.splitlines()) == 1
        assert "did you mean ppo.clip_objective_batch" in err


def test_show_teaches_one_formula(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["show", "ddpg.critic_target"], capsys)
    assert code == 0
    assert "def ddpg_critic_target(r, done, gamma, q_next)" in out
    assert "from params.q_next" in out
    # 16 eps64 (amax(r) + amax(q_next)): the scale keeps its parentheses
    assert "<= 16 * eps64 * (amax(r) + amax(q_next))" in out
    for where in (
        "spec/sections/dpg.py",
        "reference/dpg.py: critic_target",
        "conformance_tests/examples/np_dpg.py: ddpg_critic_target",
        "vectors/v2/ddpg.critic_target/",
        "tests/reference/test_dpg.py",
    ):
        assert where in out, where
    code, out, _ = run(["show", "ppo.clip_objective_batch"], capsys)
    assert "accepted conventions" in out and "loss:" in out and "eq 31, 32" in out


def test_stub_is_a_module_with_one_documented_function_per_formula(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["stub", "mdp.v", "mdp.q"], capsys)
    assert code == 0
    namespace: dict[str, Any] = {}
    exec(compile(out, "stub.py", "exec"), namespace)
    import inspect

    assert list(inspect.signature(namespace["mdp_v"]).parameters) == ["P", "R", "gamma", "theta"]
    assert "[S, A, S]" in (namespace["mdp_q"].__doc__ or "")
    with pytest.raises(NotImplementedError):
        namespace["mdp_v"](None, None, None, None)


def test_generate_help_lists_every_family_and_its_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rlspec", "generate", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    from rlspec import spec

    for family in {f.family for f in spec.formulas()}:
        assert f"  {family}  (" in done.stdout, family
    assert "--states (default 4), drawn in 1..6" in done.stdout
    assert "--kind (default dense), the suite draws dense, sparse" in done.stdout


class _Any(float):
    """A number that is also a callable, an attribute holder and a mapping: any scale evaluates."""

    def __call__(self, *args: Any, **kwargs: Any) -> _Any:
        return _Any(1.7)

    def __getattr__(self, name: str) -> _Any:
        return _Any(1.3)

    def __getitem__(self, key: Any) -> _Any:
        return _Any(2.0)


class _Names(dict[str, Any]):
    def __missing__(self, key: str) -> _Any:
        return _Any(0.75) if key != "eps64" else _Any(2.0**-52)


def test_tolerances_print_as_evaluated() -> None:
    from rlspec.spec.formula import Tolerance

    by_hand = {
        ("amax(r) + amax(q_next)", 16.0): "16 * eps64 * (amax(r) + amax(q_next))",
        ("a * b", 16.0): "16 * eps64 * (a * b)",
        ("kappa(gamma) ** 2", 64.0): "64 * eps64 * kappa(gamma) ** 2",
        ("x", 0.5): "0.5 * eps64 * x",
    }
    for (scale, factor), expected in by_hand.items():
        assert Tolerance("t", factor, scale, "").bound_expression == expected
    # every registry tolerance: the printed expression evaluates to factor * eps64 * scale
    import math

    from rlspec import spec

    for f in spec.formulas():
        t = f.tolerance
        direct = t.factor * 2.0**-52 * float(eval(t.scale, {"__builtins__": {}}, _Names()))
        printed = float(eval(t.bound_expression, {"__builtins__": {}}, _Names()))
        assert math.isclose(direct, printed, rel_tol=1e-12), (f.id, t.bound_expression)
