"""The suite run end to end: the example conforms, broken implementations fail per formula with
a clear message and the run completes, usage errors exit 2, reports parse, repro scripts work."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

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
