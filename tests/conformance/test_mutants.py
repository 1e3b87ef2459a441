"""The suite tests itself: every mutant (a copy of the example with one realistic bug) must be
rejected on the formulas it names in KILLS, and the run must name each of them."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from tests.conformance.helpers import MUTANTS, by_id, conform

MUTANT_EXAMPLES = 12  # a mutant file may ask for more with EXAMPLES = n


def mutant_files() -> list[Path]:
    return sorted(p for p in MUTANTS.glob("*__*.py") if not p.name.startswith("_"))


def kills(path: Path) -> tuple[tuple[str, ...], int]:
    namespace = runpy.run_path(str(path))
    value = namespace.get("KILLS")
    assert isinstance(value, tuple) and value, f"{path.name}: KILLS must be a non-empty tuple of formula ids"
    return value, max(MUTANT_EXAMPLES, int(namespace.get("EXAMPLES", 0)))


def test_there_are_mutants_for_the_core() -> None:
    assert len([p for p in mutant_files() if p.name.startswith("mdp__")]) >= 10


@pytest.mark.parametrize("path", mutant_files(), ids=lambda p: p.stem)
def test_mutant_is_killed(tmp_path: Path, path: Path) -> None:
    ids, examples = kills(path)
    status, doc, out, _ = conform(
        str(path), "--formulas", ",".join(ids), "--examples", str(examples), tmp=tmp_path
    )
    rows = by_id(doc)
    survivors = [i for i in ids if rows[i]["status"] != "fail"]
    assert status == 1 and not survivors, f"{path.name} survives on {survivors}"
    for i in ids:
        assert f"FAIL {i} " in out
