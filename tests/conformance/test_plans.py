"""A passing run's instances replayed without hypothesis (conformance_tests/plans.py): the
second run must reach exactly the verdicts and instances a fresh search reaches, for a
conforming implementation and for ones that now fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rlspec.conformance_tests import engine
from rlspec.conformance_tests.plans import PLAN_SOURCES, PlanStore
from rlspec.oracle.cache import SOURCES, code_version
from tests.conformance.helpers import EXAMPLE, MUTANTS, by_id, conform

FORMULAS = "mdp.v,ppo.clip_objective,soft.greedy_policy,trpo.line_search"


def rows(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's per-formula rows without their timing and the folder of the repro files."""
    out = {}
    for formula_id, row in by_id(doc).items():
        out[formula_id] = {k: v for k, v in row.items() if k not in ("seconds", "failure")}
        if row["failure"]:
            failure = dict(row["failure"])
            for name in ("instance", "repro"):
                failure[name] = Path(failure[name]).read_text()
            out[formula_id]["failure"] = failure
    return out


def run(tmp: Path, name: str, impl: str, *extra: str) -> dict[str, Any]:
    folder = tmp / name
    folder.mkdir()
    _, doc, _, _ = conform(impl, "--formulas", FORMULAS, *extra, tmp=folder)
    return doc


@pytest.fixture
def no_hypothesis(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every formula for which hypothesis's search runs."""
    searched: list[str] = []
    original = engine.FormulaRun.search

    def search(self: engine.FormulaRun) -> None:
        searched.append(self.f.id)
        original(self)

    monkeypatch.setattr(engine.FormulaRun, "search", search)
    return searched


def test_the_second_run_replays_the_first_without_hypothesis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_hypothesis: list[str]
) -> None:
    monkeypatch.setenv("RLSPEC_CACHE_DIR", str(tmp_path / "cache"))
    first = run(tmp_path, "first", EXAMPLE)
    assert sorted(no_hypothesis) == sorted(FORMULAS.split(","))
    no_hypothesis.clear()
    second = run(tmp_path, "second", EXAMPLE)
    assert no_hypothesis == []
    assert rows(second) == rows(first)
    assert all(row["status"] == "pass" and row["instances"] for row in rows(first).values())
    fresh = run(tmp_path, "fresh", EXAMPLE, "--no-cache")
    assert rows(fresh) == rows(first)
    assert first["cache"]["replayed"] == [] and first["cache"]["answers_computed"] > 0
    assert (
        sorted(second["cache"]["replayed"]) == sorted(FORMULAS.split(","))
        and second["cache"]["answers_computed"] == 0
    )
    assert fresh["cache"] is None  # the report says where its verdicts came from


@pytest.mark.parametrize(
    "mutant",
    [
        "mdp__v_iterative_evaluation",
        "ppo__clip_objective_truncated_visitation",
        "soft__softmax_missing_temperature",
    ],
)
def test_an_implementation_that_now_fails_gets_the_fresh_search_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mutant: str
) -> None:
    path = MUTANTS / f"{mutant}.py"
    if not path.exists():
        pytest.fail(f"mutant {mutant} is gone: name another one that fails on {FORMULAS}")
    monkeypatch.setenv("RLSPEC_CACHE_DIR", str(tmp_path / "cache"))
    run(tmp_path, "passing", EXAMPLE)  # leaves a plan for every formula
    planned = run(tmp_path, "planned", str(path))
    fresh = run(tmp_path, "fresh", str(path), "--no-cache")
    assert any(row["status"] == "fail" for row in rows(fresh).values())
    assert rows(planned) == rows(fresh)


def test_the_plan_depends_on_the_seed_and_the_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_hypothesis: list[str]
) -> None:
    monkeypatch.setenv("RLSPEC_CACHE_DIR", str(tmp_path / "cache"))
    run(tmp_path, "first", EXAMPLE)
    no_hypothesis.clear()
    run(tmp_path, "seed", EXAMPLE, "--seed", "1")
    run(tmp_path, "examples", EXAMPLE, "--examples", "7")
    assert len(no_hypothesis) == 2 * len(FORMULAS.split(","))


def test_an_unreadable_plan_is_a_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_hypothesis: list[str]
) -> None:
    monkeypatch.setenv("RLSPEC_CACHE_DIR", str(tmp_path / "cache"))
    first = run(tmp_path, "first", EXAMPLE)
    plans = list((tmp_path / "cache" / "plans").rglob("*.json"))
    assert len(plans) == len(FORMULAS.split(","))
    for path in plans:
        path.write_text('{"formula": "x", "checked": [{"raw": {}}]}')
    no_hypothesis.clear()
    again = run(tmp_path, "again", EXAMPLE)
    assert len(no_hypothesis) == len(FORMULAS.split(","))
    assert rows(again) == rows(first)


def test_the_plans_version_covers_the_suite_source() -> None:
    assert set(SOURCES) < set(PLAN_SOURCES) and "conformance_tests" in PLAN_SOURCES
    assert code_version(PLAN_SOURCES) != code_version(SOURCES)
    assert PlanStore(Path("/nonexistent")).store.directory.parent.name == "plans"


def test_the_pytest_plugin_keeps_and_replays_plans_unless_told_not_to(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs"]
    argv += ["rlspec.conformance_tests", "--rlspec-impl", EXAMPLE, "--rlspec-out", str(tmp_path / "out")]
    argv += ["-m", "rlspec_dpg", "-k", "soft_update"]
    env = {**os.environ, "RLSPEC_CACHE_DIR": str(cache)}

    def plugin(*extra: str) -> None:
        command = [*argv, *extra]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
        assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-2000:]

    plugin("--rlspec-no-cache")
    assert not cache.exists()
    plugin()
    assert len(list((cache / "plans").rglob("*.json"))) == 1
    plugin()  # replays the plan


def test_a_passing_run_keeps_plans_only_and_a_failing_one_keeps_its_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan of a passing formula holds its answers, so they are not written twice; the
    answers of a failing formula (its shrinking included) go to the oracle's cache."""
    monkeypatch.setenv("RLSPEC_CACHE_DIR", str(tmp_path / "cache"))
    run(tmp_path, "passing", EXAMPLE)
    assert not list((tmp_path / "cache" / "oracle").rglob("*.json"))
    assert len(list((tmp_path / "cache" / "plans").rglob("*.json"))) == len(FORMULAS.split(","))
    failing = run(tmp_path, "failing", str(MUTANTS / "mdp__v_iterative_evaluation.py"))
    assert by_id(failing)["mdp.v"]["status"] == "fail"
    assert list((tmp_path / "cache" / "oracle").rglob("*.json"))
    assert failing["cache"]["answers_computed"] > 0
    again = run(tmp_path, "again", str(MUTANTS / "mdp__v_iterative_evaluation.py"))
    assert rows(again) == rows(failing) and again["cache"]["answers_computed"] == 0
