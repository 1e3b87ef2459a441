"""Adding formulas to an existing vector set (`rlspec vectors build --formulas GLOB` into a set):
only their cases are written, every other file stays byte-identical, the set verifies."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from rlspec.oracle import vectors
from rlspec.oracle.errors import UsageError

FIRST = ["mdp.v", "twin.target"]
ADDED = "kl.k3"


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = vectors.main(list(argv))
    return status, out.getvalue()


def test_adding_a_formula_keeps_every_other_file(tmp_path: Path) -> None:
    root = tmp_path / "v1"
    vectors.build(root, FIRST, cases=2, dps=30, log=False)
    before = files(root)
    status, _ = cli(
        "build", "--dir", str(root), "--formulas", ADDED, "--cases", "2", "--dps", "30", "--quiet"
    )
    after = files(root)
    assert status == 0
    assert sorted(set(after) - set(before)) == [f"{ADDED}/case-0.json", f"{ADDED}/case-1.json"]
    kept = [k for k in before if k != vectors.MANIFEST]
    assert all(after[k] == before[k] for k in kept)
    # the same bytes as building the three at once: case seeds follow the registry index
    whole = tmp_path / "whole"
    vectors.build(whole, [*FIRST, ADDED], cases=2, dps=30, log=False)
    assert files(whole) == after
    assert cli("verify", "--dir", str(root), "--all", "--quiet")[0] == 0


def test_adding_with_other_settings_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "v1"
    vectors.build(root, FIRST, cases=2, dps=30, log=False)
    with pytest.raises(UsageError, match="built with --cases 2 --dps 30"):
        vectors.build(root, [ADDED], cases=2, dps=40, log=False, into_existing=True)
