"""The pytest plugin (pytest --pyargs rlspec.conformance_tests) and non-numpy return types."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance.helpers import IMPLS, ROOT, by_id, conform


def _pytest(*args: str, impl: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RLSPEC_IMPL"}
    if impl is not None:
        env["RLSPEC_IMPL"] = impl
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--pyargs",
            "conformance_tests",
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_plugin_skips_without_an_implementation() -> None:
    done = _pytest("-k", "mdp")
    assert done.returncode == 0, done.stdout[-2000:]
    assert "skipped" in done.stdout and "failed" not in done.stdout


def test_plugin_runs_an_implementation_given_by_option_or_environment(tmp_path: Path) -> None:
    mutant = str(ROOT / "conformance_tests" / "mutants" / "mdp__float32.py")
    done = _pytest("-k", "mdp.v or mdp.q", "--rlspec-impl", mutant, "--rlspec-out", str(tmp_path))
    assert done.returncode == 1
    assert "FAILED conformance_tests/test_mdp.py::test_formula[mdp.v]" in done.stdout
    assert "1 failed" in done.stdout and "passed" in done.stdout
    assert (tmp_path / "mdp.v" / "repro.py").exists()
    empty = _pytest("-k", "mdp", impl=str(IMPLS / "empty.py"))
    assert empty.returncode == 0 and "failed" not in empty.stdout  # not implemented = skipped


def test_torch_tensors_are_accepted(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    status, doc, _, _ = conform(
        str(IMPLS / "torch_mdp.py"), "--formulas", "mdp.v,mdp.q,pg.objective", "--examples", "5", tmp=tmp_path
    )
    rows = by_id(doc)
    assert rows["mdp.v"]["status"] == "pass" and rows["pg.objective"]["status"] == "pass"
    assert rows["mdp.q"]["failure"]["kind"] == "bad_output"
    assert "requires grad" in rows["mdp.q"]["message"]
    assert status == 1


def test_worked_ppo_adapter_conforms_under_the_loss_convention(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    status, doc, _, _ = conform(
        str(IMPLS / "ppo_library_adapter.py"), "--formulas", "ppo.clip_objective_batch", tmp=tmp_path
    )
    row = by_id(doc)["ppo.clip_objective_batch"]
    assert status == 0 and row["status"] == "pass" and row["convention"] == "loss"
    status, doc, _, _ = conform(
        str(IMPLS / "ppo_library_adapter_float32.py"), "--formulas", "ppo.clip_objective_batch", tmp=tmp_path
    )
    row = by_id(doc)["ppo.clip_objective_batch"]
    assert status == 1 and row["failure"]["kind"] == "value" and row["failure"]["units"] > 1e6
