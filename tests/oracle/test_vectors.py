"""Ground-truth vectors: builds are byte-identical, verify catches one changed digit or one changed
manifest byte and names the file, the committed set checks out, and the suite run against it
accepts the example and rejects every mutant."""

from __future__ import annotations

import contextlib
import io
import json
import runpy
from pathlib import Path

import pytest

from rlspec.oracle import vectors
from tests.conformance.helpers import EXAMPLE, MUTANTS, ROOT, by_id, conform

SUBSET = ["mdp.v", "pg.gradient", "soft.v_star", "lqr.value", "ppo.clip_objective_batch"]
COMMITTED = ROOT / "vectors" / vectors.VECTOR_VERSION


def build(out: Path) -> None:
    vectors.build(out, SUBSET, cases=2, dps=30, log=False)


def run_verify(root: Path, *extra: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = vectors.main(["verify", "--dir", str(root), "--quiet", *extra])
    return status, out.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vectors") / "v2"
    build(root)
    return root


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    again = tmp_path / "v2"
    build(again)
    assert tree(again) == tree(built)
    assert len(tree(built)) == 1 + 2 * len(SUBSET)


def test_verify_recomputes_every_case(built: Path) -> None:
    status, out = run_verify(built, "--all")
    assert status == 0, out
    assert f"recomputed {2 * len(SUBSET)} of {2 * len(SUBSET)}" in out


def copy(root: Path, tmp: Path) -> Path:
    target = tmp / "copy"
    for rel, data in tree(root).items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_bytes(data)
    return target


def change_one_digit(text: str) -> str:
    """The last digit of the first value entry, changed (a 7 becomes an 8, anything else a 7)."""
    start = text.index('"value"')
    quote = text.index('"', text.index(":", start) + 1) + 1
    end = text.index('"', quote)
    digits = text[quote:end]
    i = max(k for k, c in enumerate(digits) if c.isdigit() and "e" not in digits[k:])
    new = "8" if digits[i] == "7" else "7"
    return text[: quote + i] + new + text[quote + i + 1 :]


def test_one_changed_digit_fails_naming_the_file(built: Path, tmp_path: Path) -> None:
    root = copy(built, tmp_path)
    case = root / "mdp.v" / "case-1.json"
    case.write_text(change_one_digit(case.read_text()))
    status, out = run_verify(root)
    assert status == 1
    assert str(case) in out and "sha256" in out


def test_one_changed_manifest_byte_fails_naming_the_manifest(built: Path, tmp_path: Path) -> None:
    manifest = built / vectors.MANIFEST
    data = manifest.read_bytes()
    for position in (data.index(b'"dps": ') + 7, data.index(b"\n") + 1, len(data) - 3):
        root = copy(built, tmp_path / str(position))
        changed = bytearray(data)
        changed[position] = ord("9") if changed[position] != ord("9") else ord("8")
        (root / vectors.MANIFEST).write_bytes(bytes(changed))
        status, out = run_verify(root)
        assert status == 1, f"byte {position} changed, verify passed"
        assert str(root / vectors.MANIFEST) in out


def test_a_consistent_forgery_is_caught_by_recomputation(built: Path, tmp_path: Path) -> None:
    """A changed value whose hash and manifest are updated too passes the hashes, not the oracle."""
    root = copy(built, tmp_path)
    rel = "pg.gradient/case-0.json"
    case = root / rel
    case.write_text(change_one_digit(case.read_text()))
    manifest = json.loads((root / vectors.MANIFEST).read_bytes())
    manifest.pop("manifest_sha256")
    manifest["files"][rel] = vectors.sha256(case.read_bytes())
    manifest["manifest_sha256"] = vectors.sha256(vectors.canonical(manifest))
    (root / vectors.MANIFEST).write_bytes(vectors.canonical(manifest))
    status, out = run_verify(root, "--all")
    assert status == 1 and str(case) in out and "the oracle gives" in out


def test_an_unlisted_file_fails(built: Path, tmp_path: Path) -> None:
    root = copy(built, tmp_path)
    extra = root / "mdp.v" / "case-9.json"
    extra.write_bytes((root / "mdp.v" / "case-0.json").read_bytes())
    status, out = run_verify(root)
    assert status == 1 and str(extra) in out and "not listed" in out


def test_the_committed_set_checks_out() -> None:
    assert vectors.DEFAULT_DIR.resolve() == COMMITTED.resolve()
    status, out = run_verify(COMMITTED, "--sample", "3")
    assert status == 0, out


def test_the_superseded_set_v1_still_checks_out_by_its_name() -> None:
    """v1 is kept byte for byte so that a citation of it still verifies; `--dir v1` names it."""
    assert vectors.vector_set("v1") == vectors.VECTORS_DIRECTORY / "v1"
    status, out = run_verify(Path("v1"), "--sample", "2")
    assert status == 0, out
    assert str(vectors.VECTORS_DIRECTORY / "v1") in out


def test_the_example_passes_on_the_committed_vectors(tmp_path: Path) -> None:
    status, doc, out, err = conform(EXAMPLE, "--vectors", str(COMMITTED), tmp=tmp_path)
    assert status == 0, out + err
    assert all(row["status"] == "pass" for row in doc["formulas"])


def mutant_files() -> list[Path]:
    return sorted(p for p in MUTANTS.glob("*__*.py") if not p.name.startswith("_"))


def vector_cases() -> list[object]:
    """The mutants, those whose bug needs an instance the stored sample lacks (VECTORS_MISS: which)
    as strict xfails: red once a rebuilt vector set catches them."""
    out: list[object] = []
    for p in mutant_files():
        miss = runpy.run_path(str(p)).get("VECTORS_MISS")
        out.append(pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=str(miss))) if miss else p)
    return out


@pytest.mark.parametrize("path", vector_cases(), ids=lambda p: p.stem)
def test_every_mutant_fails_on_the_committed_vectors(tmp_path: Path, path: Path) -> None:
    """Each mutant is rejected (exit 1, on at least one of the formulas it names). The stored
    cases are a fixed sample, so a bug that only some instances expose may pass on one of its
    formulas; the live suite's meta-test requires all of them."""
    ids = runpy.run_path(str(path))["KILLS"]
    args = ["--vectors", str(COMMITTED), "--formulas", ",".join(ids)]
    status, doc, _, _ = conform(str(path), *args, tmp=tmp_path)
    rows = by_id(doc)
    assert status == 1 and any(rows[i]["status"] == "fail" for i in ids), path.name


ONE_ACTION_ANY_COUNT = '''
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403
from rlspec.conformance_tests.examples import numpy_impl

def trpo_line_search_backtracks(P, R, gamma, mu, theta, delta, beta, max_backtracks):
    # with one action every candidate's gain is exactly 0: a float64 gain rounded up to a
    # positive number accepts the first candidate, a correct outcome on this tie
    if len(theta[0]) == 1:
        return 0
    return numpy_impl.trpo_line_search_backtracks(P, R, gamma, mu, theta, delta, beta, max_backtracks)
'''


def test_stored_cases_on_a_tie_accept_every_answer_float64_could_reach(tmp_path: Path) -> None:
    """With one action the line search's gain is exactly 0 at every candidate, so a float64
    evaluation may accept any of them (-1, 0, ..., max_backtracks): the stored cases must accept
    them all under --vectors, as the live oracle does."""
    f = vectors.spec.formula("trpo.line_search_backtracks")
    source = vectors.conformance_source("v2")
    one_action = [c for c in source.fixed_cases(f) if len(c.raw["theta"][0]) == 1]
    assert one_action, "v2 has no one-action case of the line search"
    for case in one_action:
        count = int(case.raw["params"]["max_backtracks"])
        reachable = {float(case.expected.value), *(float(a) for a in case.expected.alternatives)}
        assert reachable == {float(j) for j in range(-1, count + 1)}
    impl = tmp_path / "tie_breaking.py"
    impl.write_text(ONE_ACTION_ANY_COUNT)
    status, doc, _, _ = conform(str(impl), "--formulas", f.id, "--vectors", "v2", tmp=tmp_path)
    assert status == 0 and by_id(doc)[f.id]["status"] == "pass"
