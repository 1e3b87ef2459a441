"""Running `rlspec conform` in-process for the suite's own tests."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from rlspec.conformance_tests.runner import main

ROOT = Path(__file__).resolve().parents[2]
IMPLS = Path(__file__).resolve().parent / "impls"
EXAMPLE = str(ROOT / "conformance_tests" / "examples" / "numpy_impl.py")
MUTANTS = ROOT / "conformance_tests" / "mutants"


def conform(*argv: str, tmp: Path) -> tuple[int, dict[str, Any], str, str]:
    """Run the suite with a JSON report; (exit status, report or {}, stdout, stderr)."""
    report = tmp / "report.json"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([*argv, "--json", str(report), "--out", str(tmp / "report"), "--quiet"])
    doc = json.loads(report.read_text()) if report.exists() else {}
    return status, doc, out.getvalue(), err.getvalue()


def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in doc["formulas"]}
