"""The conformance matrix (benchmarks/matrix.py, CONFORMANCE-MATRIX.md) and the shipped adapters'
known-deviation files."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from rlspec.conformance_tests.expectations import read_xfails
from rlspec.spec import formulas

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = ROOT / "rlspec" / "adapters"


def matrix_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rlspec_matrix", ROOT / "benchmarks" / "matrix.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def report(status: str, peak: float | None = None, units: float | None = None) -> dict[str, Any]:
    failure = None if units is None else {"units": units, "message": "m", "entries": [], "diagnoses": []}
    row = {"id": "x.y", "status": status, "peak_units": peak, "failure": failure, "message": ""}
    return {"formulas": [row]}


def test_matrix_is_not_stale() -> None:
    matrix = matrix_module()
    doc = json.loads(matrix.SOURCE.read_text(encoding="utf-8"))
    assert matrix.MATRIX.read_text(encoding="utf-8") == matrix.render(doc), "run benchmarks/matrix.py --write"


def test_every_shipped_adapter_is_in_the_matrix_with_its_versions() -> None:
    matrix = matrix_module()
    doc = json.loads(matrix.SOURCE.read_text(encoding="utf-8"))
    shipped = {p.stem for p in ADAPTERS.glob("*.py") if not p.stem.startswith("_")}
    assert {lib["module"] for lib in doc["libraries"]} == shipped
    assert all(lib["versions"] and lib["formulas"] for lib in doc["libraries"])


def test_verdict_over_seeds_worst_wins_and_a_missing_deviation_is_a_pass() -> None:
    merge = matrix_module().merge
    verdicts: dict[str, dict[str, Any]] = {}
    merge(verdicts, report("pass", peak=1.5), 0)
    merge(verdicts, report("xfail_passed", peak=2.5), 1)  # listed, but this seed conformed
    assert verdicts["x.y"]["status"] == "pass" and verdicts["x.y"]["peak_units"] == 2.5
    merge(verdicts, report("known_deviation", units=3e4), 2)
    assert verdicts["x.y"]["status"] == "known_deviation" and verdicts["x.y"]["detail"]["seed"] == 2
    merge(verdicts, report("fail", units=9.0), 3)
    assert verdicts["x.y"]["status"] == "fail" and verdicts["x.y"]["detail"]["units"] == 9.0
    assert verdicts["x.y"]["seeds"] == [0, 1, 2, 3]


def test_xfails_files_are_valid_and_name_only_formulas_their_adapter_defines() -> None:
    ids = [f.id for f in formulas()]
    names = {f.id: f.adapter_name for f in formulas()}
    for path in (ADAPTERS / "xfails").glob("*.toml"):
        entries = read_xfails(path, ids)
        source = (ADAPTERS / f"{path.stem}.py").read_text(encoding="utf-8")
        assert entries and all(f"def {names[i]}(" in source for i in entries), path.name
        assert all(e.reason and e.link for e in entries.values())


def test_importing_rlspec_never_imports_a_library() -> None:
    code = (
        "import sys, rlspec.adapters, rlspec.cli; "
        "print(sorted(m for m in ('torch', 'jax', 'stable_baselines3', 'torchrl', 'rlax', 'tianshou') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
