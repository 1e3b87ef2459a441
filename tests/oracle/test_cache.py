"""The persistent oracle cache (oracle/cache.py): exact round trips, atomic entries under
concurrent writers, misses for damaged entries, keys that change with what determines the answer,
and the suite's live oracle answering a second run from it without computing."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from rlspec import spec
from rlspec.conformance_tests import sources
from rlspec.oracle.cache import OracleCache, cache_directory, code_version
from rlspec.oracle.expected import Expected
from rlspec.oracle.families import tabular


def test_expected_values_round_trip_exactly(tmp_path: Path) -> None:
    store = OracleCache(tmp_path)
    value = np.array([[0.1, -2.5e-300], [5e-324, 1.7976931348623157e308]])
    expected = Expected(value, [["0.1", "x"], ["y", "z"]], (np.float64(1 / 3) * np.ones(2), np.asarray(0.7)))
    key = OracleCache.key("a", "b")
    assert store.load_expected(key) is None
    store.store_expected(key, expected)
    got = store.load_expected(key)
    assert got is not None
    assert got.value.tobytes() == value.tobytes() and got.value.shape == (2, 2)
    assert got.digits == expected.digits
    assert [a.tobytes() for a in got.alternatives] == [a.tobytes() for a in expected.alternatives]
    assert got.alternatives[1].shape == ()
    scalar = Expected(np.asarray(2.0**-60))
    store.store_expected("0" * 64, scalar)
    back = store.load_expected("0" * 64)
    assert back is not None and back.value.shape == () and float(back.value) == 2.0**-60


def test_keys_depend_on_every_part() -> None:
    base = OracleCache.key("expected", "mdp.v\n{}", "40")
    assert base != OracleCache.key("expected", "mdp.v\n{}", "41")
    assert base != OracleCache.key("expected", "mdp.v\n{}4", "0")  # parts are separated, not joined
    assert base == OracleCache.key("expected", "mdp.v\n{}", "40")


def test_the_version_names_the_code(tmp_path: Path) -> None:
    version = code_version()
    assert version.split("-")[0] and len(version.split("-")[-1]) == 16
    assert OracleCache(tmp_path).directory == tmp_path / "oracle" / version


def test_the_directory_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RLSPEC_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_directory() == tmp_path / "xdg" / "rlspec"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_directory() == Path.home() / ".cache" / "rlspec"
    monkeypatch.setenv("RLSPEC_CACHE_DIR", str(tmp_path / "own"))
    assert cache_directory() == tmp_path / "own"


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    store = OracleCache(tmp_path)
    key = OracleCache.key("x")
    store.store(key, {"value": [1.0], "digits": None, "alternatives": []})
    path = next(store.directory.rglob("*.json"))
    path.write_text('{"value": [1.0], "dig')  # a torn write (what os.replace prevents)
    assert store.load_expected(key) is None
    path.write_text(json.dumps({"something": "else"}))
    assert store.load_expected(key) is None


def test_an_unwritable_cache_never_hits_and_never_fails(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = OracleCache(blocker)
    store.store(OracleCache.key("k"), {"a": 1})
    assert store.load(OracleCache.key("k")) is None


def _writer(directory: str, seed: int) -> None:
    store = OracleCache(Path(directory), version="test")  # not the digest: the tree may change meanwhile
    for i in range(200):
        store.store(OracleCache.key("shared", str(i % 5)), {"writer": seed, "payload": [seed] * 2000})


def test_concurrent_writers_leave_whole_entries(tmp_path: Path) -> None:
    """Four processes write the same five keys 200 times each: every entry read afterwards is
    one writer's whole document, and no temporary file is left behind."""
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), seed)) for seed in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    store = OracleCache(tmp_path, version="test")
    for i in range(5):
        doc = store.load(OracleCache.key("shared", str(i)))
        assert doc is not None and doc["payload"] == [doc["writer"]] * 2000
    assert not [p for p in store.directory.rglob("*") if p.name.startswith(".")]


def test_a_second_run_is_answered_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live oracle of a second run (a new process: a new LiveOracle) returns the first run's
    answers without computing, and a different dps is not served the answer of another."""
    f = spec.formula("mdp.v")
    raw = tabular.generate(3, states=3, actions=2)
    first = sources.LiveOracle(40, persistent=OracleCache(tmp_path)).expected(f, raw)

    def no_compute(*args: object, **kwargs: object) -> object:
        raise AssertionError("computed again")

    monkeypatch.setattr(sources, "compute", no_compute)
    again = sources.LiveOracle(40, persistent=OracleCache(tmp_path)).expected(f, raw)
    assert again.value.tobytes() == first.value.tobytes() and again.digits == first.digits
    with pytest.raises(AssertionError, match="computed again"):
        sources.LiveOracle(41, persistent=OracleCache(tmp_path)).expected(f, raw)
    with pytest.raises(AssertionError, match="computed again"):
        sources.LiveOracle(40).expected(f, raw)  # --no-cache
