"""One name per formula (CONTRIBUTING.md, "adding a formula"): every registry entry has its
reference function, its certificate where certified, an example function, a mutant that names
it, a lecture-map row (or a reason it has none), vectors and a test, all found by the rule of
rlspec/pieces.py. The second half removes one piece at a time and checks the rule notices."""

from __future__ import annotations

import ast
import dataclasses
import shutil
from pathlib import Path

import pytest

from rlspec import pieces, spec

ROOT = Path(__file__).resolve().parent.parent


def test_every_formula_has_every_piece() -> None:
    missing = pieces.problems()
    assert missing == [], "pieces missing (see CONTRIBUTING.md, adding a formula):\n" + "\n".join(missing)


def test_registry_entries_are_keyword_calls_with_literal_paths() -> None:
    """One way of writing an entry: `<builder>(id="a.b", ..., reference="rlspec.reference.x:f")`,
    every path a literal string that grep finds (no f-strings, no helpers building paths)."""
    bad = []
    for path in sorted((ROOT / "spec" / "sections").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            if "id" not in keywords:
                continue
            if node.args:
                bad.append(f"{path.name}:{node.lineno}: positional arguments in a registry entry")
            for name in ("id", "reference", "certificate"):
                value = keywords.get(name)
                if value is not None and not (
                    isinstance(value, ast.Constant) and isinstance(value.value, str)
                ):
                    bad.append(f"{path.name}:{node.lineno}: {name}= is not a literal string")
            if "reference" not in keywords:
                bad.append(f"{path.name}:{node.lineno}: no reference= in the entry")
    assert bad == []


# ---- the rule notices a missing piece --------------------------------------------------------


def kinds(f: spec.Formula, key: str | None = None) -> dict[str, str]:
    return {p.kind: p.problem for p in pieces.pieces(f, key) if not p.ok}


def test_a_formula_without_its_mutant_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = spec.formula("ddpg.critic_target")
    copy = tmp_path / "mutants"
    shutil.copytree(pieces.MUTANTS, copy)
    killers = [name for name, ids in pieces.mutant_kills().items() if f.id in ids]
    assert killers
    for name in killers:
        (copy / name).unlink()
    monkeypatch.setattr(pieces, "MUTANTS", copy)
    pieces.mutant_kills.cache_clear()
    try:
        assert kinds(f) == {"mutants": 'no mutant has "ddpg.critic_target" in its KILLS'}
    finally:
        pieces.mutant_kills.cache_clear()


def test_a_formula_without_vectors_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = spec.formula("mdp.v")
    monkeypatch.setattr(pieces, "VECTOR_SET", tmp_path)
    assert set(kinds(f)) == {"vectors"}


def test_a_misnamed_or_missing_reference_or_certificate_is_reported() -> None:
    f = spec.formula("mdp.v")
    key = pieces.section_of(f)
    assert kinds(dataclasses.replace(f, reference="rlspec.reference.mdp:value"), key) == {
        "reference": "the reference function is named value, not v or mdp_v",
        "certificate": "the certificate is named v, not value (as its reference)",
    }
    assert set(kinds(dataclasses.replace(f, reference="rlspec.reference.npg:v"), key)) == {"reference"}
    assert kinds(dataclasses.replace(f, certificate=None), key) == {
        "certificate": 'bound is "certified" but no certificate is named'
    }
    assert set(kinds(dataclasses.replace(f, certificate="rlspec.oracle.certificates.mdp:q"), key)) == {
        "certificate"
    }


def test_a_formula_without_example_or_lecture_row_is_reported() -> None:
    f = spec.formula("mdp.v")
    name = "v_" + "renamed"  # built, so that no test file names the id in quotes
    renamed = dataclasses.replace(f, id=f"mdp.{name}", reference=f"rlspec.reference.mdp:{name}")
    found = kinds(renamed, "mdp")
    assert {"registry", "reference", "example", "mutants", "vectors", "tests"} <= set(found)
    assert found["tests"] == "no test names v_renamed or mdp.v_renamed"
    assert found["example"] == "np_mdp.py defines no mdp_v_renamed"
    assert kinds(dataclasses.replace(f, beyond_lecture=""), "mdp") == {
        "lecture": "no lecture-map row names mdp.v and the entry has no beyond_lecture reason"
    }


def test_every_section_has_a_conformance_module_with_its_marker() -> None:
    """`pytest -m rlspec_<section>` selects a section: conformance_tests/test_<section>.py runs
    the section's formulas under its marker."""
    for section in spec.sections():
        text = (ROOT / "conformance_tests" / f"test_{section.key}.py").read_text(encoding="utf-8")
        assert f'pytestmark = section_mark("{section.key}")' in text, section.key
        assert f'formula_ids("{section.key}")' in text, section.key
