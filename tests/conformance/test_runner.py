"""The suite run end to end: the example conforms, broken implementations fail per formula with
a clear message and the run completes, usage errors exit 2, reports parse, repro scripts work."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from rlspec.conformance_tests.runner import registry
from tests.conformance.helpers import EXAMPLE, IMPLS, ROOT, by_id, conform


def test_example_conforms_on_every_formula(tmp_path: Path) -> None:
    status, doc, out, _ = conform(EXAMPLE, "--examples", "3", "--seed", "7", tmp=tmp_path)
    rows = by_id(doc)
    assert set(rows) == {f.id for f in registry()}
    bad = {k: r["message"] for k, r in rows.items() if r["status"] != "pass"}
    assert bad == {}
    assert status == 0
    assert all(
        r["peak_units"] is not None and r["peak_units"] <= r["tolerance"]["factor"] for r in rows.values()
    )
    assert "pass" in out


@pytest.mark.parametrize("seed", [1, 2])
def test_example_conforms_on_mdp_across_seeds(tmp_path: Path, seed: int) -> None:
    status, doc, _, _ = conform(
        EXAMPLE, "--formulas", "mdp.*,pg.*", "--examples", "15", "--seed", str(seed), tmp=tmp_path
    )
    assert status == 0, [r["message"] for r in doc["formulas"] if r["status"] != "pass"]


def test_empty_module_is_not_implemented_everywhere(tmp_path: Path) -> None:
    status, doc, out, _ = conform(str(IMPLS / "empty.py"), tmp=tmp_path)
    assert status == 1
    rows = by_id(doc)
    assert {r["status"] for r in rows.values()} == {"not_implemented"}
    assert rows["mdp.v"]["message"] == "not implemented (no function mdp_v)"
    assert "\n" not in rows["mdp.v"]["message"]
    assert f"0 pass, 0 fail, 0 error, {len(rows)} not implemented" in out


@pytest.mark.parametrize(
    ("impl", "kind", "words"),
    [
        ("raises.py", "raised", "raised RuntimeError: boom in"),
        ("nan.py", "nan", "returned nan at"),
        ("wrong_shape.py", "shape", "returned shape [2"),
        ("hangs.py", "timeout", "timed out after 0.5 s"),
    ],
)
def test_broken_module_fails_every_formula_and_the_run_completes(
    tmp_path: Path, impl: str, kind: str, words: str
) -> None:
    status, doc, _, _ = conform(str(IMPLS / impl), "--formulas", "mdp.*", "--timeout", "0.5", tmp=tmp_path)
    assert status == 1
    rows = by_id(doc)
    assert rows and all(k.startswith("mdp.") for k in rows)
    for row in rows.values():
        assert row["status"] == "fail", row
        assert row["failure"]["kind"] == kind
        assert words in row["message"]


def test_crash_and_non_numbers_are_failures_and_the_worker_restarts(tmp_path: Path) -> None:
    status, doc, _, _ = conform(
        str(IMPLS / "crashes.py"), "--formulas", "mdp.v,mdp.q,mdp.advantage", tmp=tmp_path
    )
    rows = by_id(doc)
    assert status == 1
    assert rows["mdp.v"]["failure"]["kind"] == "crashed"
    assert "exit code 3" in rows["mdp.v"]["message"]
    assert rows["mdp.q"]["failure"]["kind"] == "bad_output"
    assert "not numbers" in rows["mdp.q"]["message"]
    assert rows["mdp.advantage"]["status"] == "pass"  # a fresh worker after the crash


def test_unknown_module_or_pattern_exits_2_with_one_line(tmp_path: Path) -> None:
    for argv in (["no_such_module_xyz"], [str(tmp_path / "missing.py")], [EXAMPLE, "--formulas", "nope.*"]):
        status, doc, out, err = conform(*argv, tmp=tmp_path)
        assert status == 2
        assert doc == {} and out == ""
        assert len(err.strip().splitlines()) == 1 and err.startswith("rlspec conform: ")


def test_command_line_delegates_to_the_runner(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rlspec", "conform", "no_such_module_xyz"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no_such_module_xyz" in done.stderr


def test_reports_json_junit_gradescope(tmp_path: Path) -> None:
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps({"mdp.v": 5, "mdp.stationary": 0, "*": 2}))
    mutant = str(ROOT / "conformance_tests" / "mutants" / "mdp__float32.py")
    junit, grades = tmp_path / "junit.xml", tmp_path / "results.json"
    status, doc, _, _ = conform(
        mutant, "--formulas", "mdp.*", "--examples", "3", "--junit", str(junit),
        "--gradescope", str(grades), "--weights", str(weights), tmp=tmp_path,
    )  # fmt: skip
    assert status == 1 and doc["exit_status"] == 1
    assert doc["summary"]["fail"] == 1 and doc["summary"]["pass"] == len(doc["formulas"]) - 1
    row = by_id(doc)["mdp.v"]
    assert row["section"] == "mdp" and row["lecture_section"]
    assert row["tolerance"]["name"] == "value" and row["failure"]["entries"]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(len(doc["formulas"])) and suite.get("failures") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["mdp.v"].find("failure") is not None
    assert cases["mdp.q"].find("failure") is None
    results = json.loads(grades.read_text())
    tests = {t["name"].split(":")[0]: t for t in results["tests"]}
    assert "mdp.stationary" not in tests  # weight 0
    for t in results["tests"]:
        assert set(t) >= {"score", "max_score", "name", "output", "visibility"}
        assert t["visibility"] == "visible" and isinstance(t["output"], str)
    assert tests["mdp.v"]["max_score"] == 5 and tests["mdp.v"]["score"] == 0
    assert tests["mdp.q"]["max_score"] == 2 and tests["mdp.q"]["score"] == 2
    assert results["score"] == sum(t["score"] for t in results["tests"])


def test_repro_script_reproduces_on_its_own(tmp_path: Path) -> None:
    mutant = str(ROOT / "conformance_tests" / "mutants" / "mdp__off_by_one_discount.py")
    status, doc, _, _ = conform(mutant, "--formulas", "mdp.v", tmp=tmp_path)
    assert status == 1
    failure = by_id(doc)["mdp.v"]["failure"]
    instance = json.loads(Path(failure["instance"]).read_text())
    assert instance["family"] == "tabular"
    assert len(instance["P"]) == 1  # shrunk to one state
    done = subprocess.run(
        [sys.executable, failure["repro"]], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr
    assert "expected" in done.stdout and "got" in done.stdout and "FAIL" in done.stdout
    # the same script accepts the correct function: swap the implementation it calls
    script = Path(failure["repro"]).read_text().replace(repr(mutant), repr(EXAMPLE))
    fixed = tmp_path / "fixed.py"
    fixed.write_text(script)
    (tmp_path / "instance.json").write_text(Path(failure["instance"]).read_text())
    done = subprocess.run(
        [sys.executable, str(fixed)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: conforms" in done.stdout


def test_declared_conventions_are_recognized_and_reported(tmp_path: Path) -> None:
    with_conventions = [f for f in registry() if any(c.name != "lecture" for c in f.conventions)]
    assert with_conventions, "the batch-form formulas declare conventions"
    ids = ",".join(f.id for f in with_conventions)
    status, doc, _, _ = conform(
        str(IMPLS / "loss_convention.py"), "--formulas", ids, "--examples", "4", tmp=tmp_path
    )
    rows = by_id(doc)
    for f in with_conventions:
        row = rows[f.id]
        assert row["status"] == "pass", row["message"]
        expected = next(c.name for c in f.conventions if c.name != "lecture")
        assert expected in row["conventions_matched"]
    assert status == 0


def test_module_name_and_broken_import(tmp_path: Path) -> None:
    example = "rlspec.conformance_tests.examples.numpy_impl"
    status, doc, _, _ = conform(example, "--formulas", "mdp.v", tmp=tmp_path)
    assert status == 0 and by_id(doc)["mdp.v"]["status"] == "pass"
    broken = tmp_path / "broken.py"
    broken.write_text("import numpy\nraise ImportError('the GPU build is missing')\n")
    (tmp_path / "second").mkdir()
    status, doc, out, err = conform(str(broken), tmp=tmp_path / "second")
    assert status == 2 and doc == {} and out == ""
    assert err.strip() == f"rlspec conform: cannot import {broken}: ImportError: the GPU build is missing"


def test_conventions_must_be_used_consistently(tmp_path: Path) -> None:
    status, doc, _, _ = conform(
        str(IMPLS / "mixed_reduction.py"),
        "--formulas",
        "ppo.clip_objective_batch",
        "--examples",
        "20",
        tmp=tmp_path,
    )
    row = by_id(doc)["ppo.clip_objective_batch"]
    assert status == 1 and row["status"] == "fail" and row["failure"]["kind"] == "convention"
    assert {"lecture", "sum"} <= set(row["conventions_matched"])
    assert "matches different conventions" in row["message"]


# ---- typos, --require, exclusion, the adapter's output, stubs, pytest options --------------


def test_a_misspelt_adapter_name_fails_the_run_with_did_you_mean(tmp_path: Path) -> None:
    status, doc, out, _ = conform(str(IMPLS / "misspelt.py"), "--formulas", "ddpg.*", tmp=tmp_path)
    assert status == 1  # a typo must not pass CI as "not implemented"
    row = by_id(doc)["ddpg.critic_target"]
    assert row["status"] == "error"
    assert "defines ddpg_critic_traget: did you mean ddpg_critic_target?" in row["message"]
    assert by_id(doc)["ddpg.soft_update"]["status"] == "pass"
    assert "did you mean ddpg_critic_target?" in out


def test_require_makes_not_implemented_a_failure(tmp_path: Path) -> None:
    empty = str(IMPLS / "empty.py")
    status, doc, _, _ = conform(empty, "--formulas", "mdp.*", tmp=tmp_path)
    assert status == 1 and {r["status"] for r in doc["formulas"]} == {"not_implemented"}
    status, doc, _, _ = conform(empty, "--formulas", "mdp.*", "--require", "mdp.v,mdp.q", tmp=tmp_path)
    assert status == 1
    assert by_id(doc)["mdp.v"]["status"] == "fail" and by_id(doc)["mdp.q"]["status"] == "fail"
    assert by_id(doc)["mdp.advantage"]["status"] == "not_implemented"
    example_status, _, _, _ = conform(EXAMPLE, "--formulas", "mdp.v", "--require", "mdp.v", tmp=tmp_path)
    assert example_status == 0
    status, _, _, err = conform(empty, "--require", "mdp.vv", tmp=tmp_path)
    assert status == 2 and "did you mean mdp.v" in err


def test_formulas_take_exclusions(tmp_path: Path) -> None:
    _, doc, _, _ = conform(str(IMPLS / "empty.py"), "--formulas", "ppo.*,!ppo.clip*", tmp=tmp_path)
    assert [r["id"] for r in doc["formulas"]] == ["ppo.ratio", "ppo.surrogate"]
    _, doc, _, _ = conform(str(IMPLS / "empty.py"), "--formulas", "!dist.*,!soft.*", tmp=tmp_path)
    ids = {r["id"] for r in doc["formulas"]}
    from rlspec import spec

    assert ids == {f.id for f in spec.formulas() if f.prefix not in ("dist", "soft")}


def python_m(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """`python -m ARGV` in `cwd`, as a user runs it."""
    return subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_the_adapter_output_goes_to_a_log_named_in_the_report(tmp_path: Path) -> None:
    noisy = str(IMPLS / "misspelt.py")
    out = str(tmp_path / "out")
    done = python_m(
        tmp_path,
        "rlspec",
        "conform",
        noisy,
        "--formulas",
        "ddpg.soft_update",
        "--examples",
        "3",
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    assert "progress on stdout" not in done.stdout + done.stderr
    assert "stderr" not in done.stderr and "raw bytes" not in done.stdout + done.stderr
    log = tmp_path / "out" / "adapter-output.log"
    assert f"the implementation's own output (stdout, stderr): {log}" in done.stdout
    text = log.read_text()
    assert text.count("progress on stdout") == text.count("warning on stderr") >= 3
    assert "raw bytes on file descriptor 2" in text
    example = "rlspec.conformance_tests.examples.numpy_impl"
    quiet = python_m(
        tmp_path, "rlspec", "conform", example, "--formulas", "mdp.v", "--examples", "2", "--out", "q"
    )
    assert quiet.returncode == 0 and not (tmp_path / "q").exists()  # nothing printed: no log


def test_the_module_route_finds_modules_in_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "my_adapter.py").write_text((IMPLS / "misspelt.py").read_text())
    rlspec = Path(sys.executable).parent / "rlspec"
    done = subprocess.run(
        [
            str(rlspec),
            "conform",
            "my_adapter",
            "--formulas",
            "ddpg.soft_update",
            "--examples",
            "2",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert done.returncode == 0, done.stderr


def test_a_stub_is_not_implemented_everywhere(tmp_path: Path) -> None:
    from rlspec.cli import main as rlspec_main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert rlspec_main(["stub", "mdp.v", "mdp.q"]) == 0
    stub = tmp_path / "stub.py"
    stub.write_text(out.getvalue())
    status, doc, _, _ = conform(str(stub), "--formulas", "mdp.v,mdp.q", tmp=tmp_path)
    assert status == 1
    assert [r["status"] for r in doc["formulas"]] == ["not_implemented", "not_implemented"]
    assert "mdp_v raises NotImplementedError" in by_id(doc)["mdp.v"]["message"]
    status, doc, _, _ = conform(str(stub), "--formulas", "mdp.v,mdp.q", "--require", "mdp.*", tmp=tmp_path)
    assert status == 1 and [r["status"] for r in doc["formulas"]] == ["fail", "fail"]


def test_pytest_plugin_markers_and_hypothesis_seed(tmp_path: Path) -> None:
    impl, out = str(IMPLS / "misspelt.py"), str(tmp_path / "out")
    base = ["pytest", "-q", "-p", "no:cacheprovider", "--pyargs", "rlspec.conformance_tests"]
    base += [
        "--rlspec-impl",
        impl,
        "--rlspec-out",
        out,
        "--strict-markers",
        "-m",
        "rlspec_dpg",
        "-k",
        "soft_update",
    ]
    done = python_m(tmp_path, *base, "--hypothesis-seed", "7")
    assert done.returncode == 0, done.stdout[-2000:]
    assert "1 passed" in done.stdout
    refused = python_m(tmp_path, *base, "--hypothesis-seed", "abc")
    assert refused.returncode != 0 and "rlspec needs an integer seed" in refused.stdout + refused.stderr


def test_the_hypothesis_seed_is_the_run_seed() -> None:
    from rlspec.conformance_tests.plugin import run_seed

    class Config:
        def __init__(self, options: dict[str, Any]) -> None:
            self.options = options

        def getoption(self, name: str) -> Any:
            return self.options.get(name)

    assert run_seed(Config({"--rlspec-seed": None, "hypothesis_seed": "12"})) == 12
    assert run_seed(Config({"--rlspec-seed": 3, "hypothesis_seed": "12"})) == 3
    assert run_seed(Config({})) is None
