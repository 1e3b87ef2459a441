"""The instances a passing run checked, kept so that the same run again needs no hypothesis.

With the same seed, settings and code, hypothesis draws the same instances as long as every
one conforms (its choices depend on earlier draws and on failures, and a passing run has none;
`strategies.draws_from_seed_only` removes the one outside influence). So when a formula passed,
the instances it checked (in order, with their corner labels and the oracle's answers) are its
*plan*, stored beside the oracle's cache (oracle/cache.py, kind "plans"). The next run with the
same key replays the plan against the implementation, whatever it now is: if every instance
conforms, that is exactly the run hypothesis would have made; at the first one that does not,
the plan is dropped and the formula is searched as usual (hypothesis finds that failure and
shrinks it). The key holds everything that decides the draws: the formula, seed, examples,
precision profile, --stable-shapes, the adapter's declared domains, the expected-value
source, hypothesis's and numpy's versions, and (in the folder name) a digest of rlspec's own
source, suite included.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rlspec.oracle.cache import SOURCES, OracleCache, code_version, expected_from_json, expected_to_json
from rlspec.oracle.expected import Expected
from rlspec.spec.formula import Formula

if TYPE_CHECKING:
    from rlspec.conformance_tests.session import Session

PLAN_SOURCES = (*SOURCES, "conformance_tests")  # the code that decides what a run draws
HYPOTHESIS_VERSION = metadata.version("hypothesis")


@dataclass(frozen=True)
class Planned:
    """One checked instance: as the implementation received it, its corner, the oracle's answer."""

    raw: dict[str, Any]
    corner: str | None
    expected: Expected


class PlanStore:
    """Plans by key, in the persistent cache's folder (`directory`, default ~/.cache/rlspec)."""

    def __init__(self, directory: Path | None = None, version: str | None = None) -> None:
        self.store = OracleCache(directory, version or code_version(PLAN_SOURCES), kind="plans")

    @staticmethod
    def key(session: Session, f: Formula) -> str:
        return OracleCache.key(
            "plan", f.id, str(session.seed), str(session.examples), session.profile.name,
            str(session.stable_shapes), repr(sorted(session.domains.for_formula(f).items())),
            session.source.name, HYPOTHESIS_VERSION, np.__version__,
        )  # fmt: skip

    def load(self, session: Session, f: Formula) -> list[Planned] | None:
        """The stored plan, or None (absent or not readable as one)."""
        doc = self.store.load(self.key(session, f))
        if doc is None:
            return None
        try:
            entries = [
                (entry["raw"], entry["corner"], expected_from_json(entry["expected"]))
                for entry in doc["checked"]
            ]
        except (KeyError, TypeError):
            return None
        plan = [Planned(raw, corner, exp) for raw, corner, exp in entries if exp is not None]
        return plan if plan and len(plan) == len(entries) else None

    def save(self, session: Session, f: Formula, plan: list[Planned]) -> None:
        checked = [{"raw": p.raw, "corner": p.corner, "expected": expected_to_json(p.expected)} for p in plan]
        self.store.store(self.key(session, f), {"formula": f.id, "checked": checked})
