"""A persistent cache of oracle answers, for repeated runs (a CI that runs the same seed again).

Entries are JSON files under `cache_directory()/oracle/<version>/`, one per answer, named by
the sha256 of what determines it (the formula, the instance as canonical JSON, the digits, ...).
<version> is rlspec's version and a digest of the oracle's own source (spec, reference, oracle),
so that a changed formula or bound never serves an old answer. Safe under concurrent runs: an
entry is written to a temporary file in the same folder and renamed into place (`os.replace`
is atomic), so a reader sees a whole entry or none; an unreadable entry is a miss. A cache that
cannot be written (read-only home) is silently a cache that never hits.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from rlspec.oracle.expected import Expected

SOURCES = ("spec", "reference", "oracle")  # the subpackages whose code determines an answer


def cache_directory() -> Path:
    """$RLSPEC_CACHE_DIR, else $XDG_CACHE_HOME/rlspec, else ~/.cache/rlspec."""
    explicit = os.environ.get("RLSPEC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rlspec"


@lru_cache(maxsize=4)
def code_version(packages: tuple[str, ...] = SOURCES) -> str:
    """rlspec's version and the first 16 hex digits of a sha256 over the source files of
    `packages` (by default the oracle's: what determines an answer)."""
    try:
        version = metadata.version("rlspec")
    except metadata.PackageNotFoundError:
        version = "unknown"
    root = Path(__file__).resolve().parents[1]  # the repository, or the installed package rlspec/
    digest = hashlib.sha256()
    for package in packages:
        folder = root / package
        for path in sorted(folder.rglob("*.py")):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return f"{version}-{digest.hexdigest()[:16]}"


class OracleCache:
    """Answers stored by key (`key(...)` hashes the parts that determine the answer), under
    `directory/kind/version` (kind "oracle": the oracle's answers)."""

    def __init__(
        self, directory: Path | None = None, version: str | None = None, kind: str = "oracle"
    ) -> None:
        self.directory = (directory or cache_directory()) / kind / (version or code_version())
        self.hits = 0
        self.misses = 0
        self.folders: set[Path] = set()  # entry folders known to exist

    @staticmethod
    def key(*parts: str) -> str:
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def load(self, key: str) -> Any | None:
        """The stored JSON document, or None (absent, or not readable as a whole entry)."""
        try:
            doc = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return doc

    def store(self, key: str, doc: Any) -> None:
        """Write atomically: a temporary file in the entry's folder, then os.replace."""
        path = self._path(key)
        try:
            if path.parent not in self.folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.folders.add(path.parent)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(json.dumps(doc, separators=(",", ":")))
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return  # a cache that cannot be written is a cache that never hits

    def load_expected(self, key: str) -> Expected | None:
        """A stored Expected (the suite's answers), or None."""
        doc = self.load(key)
        return None if doc is None else expected_from_json(doc)

    def store_expected(self, key: str, expected: Expected) -> None:
        self.store(key, expected_to_json(expected))


def expected_to_json(expected: Expected) -> dict[str, Any]:
    """An Expected as JSON: float64 values as JSON numbers (repr round-trips binary64 exactly)."""
    return {
        "value": np.asarray(expected.value, dtype=np.float64).tolist(),
        "digits": expected.digits,
        "alternatives": [np.asarray(a, dtype=np.float64).tolist() for a in expected.alternatives],
    }


def expected_from_json(doc: Any) -> Expected | None:
    """The Expected stored by expected_to_json, or None when the document is not one."""
    try:
        value = np.asarray(doc["value"], dtype=np.float64)
        others = tuple(np.asarray(a, dtype=np.float64) for a in doc["alternatives"])
        return Expected(value, doc["digits"], others)
    except (KeyError, TypeError, ValueError):
        return None
