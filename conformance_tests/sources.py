"""Where the suite's expected values come from: the live oracle, or stored vectors.

An expected-value source has
  name                          "oracle", "vectors:DIR", ...
  fixed_cases(formula)          None: the suite draws instances (hypothesis) and asks
                                `expected` for each; or a list of `Case` to run as they are
                                (stored vectors), with their expected values
  expected(formula, raw)        the value on a drawn JSON-ready instance, as `Expected`
`--vectors DIR` is oracle/vectors.py's `conformance_source(directory)`. Expected, Case and the
float64 rounding live in the oracle (oracle/expected.py) and are re-exported here.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from mpmath import mp

from rlspec.oracle.cache import OracleCache
from rlspec.oracle.evaluate import arguments, compute
from rlspec.oracle.expected import DEFAULT_DPS, Case, Expected, case_from_vector, to_digits, to_float64
from rlspec.oracle.instance import from_mapping
from rlspec.oracle.margins import reachable
from rlspec.oracle.vectors import conformance_source
from rlspec.spec.formula import Formula

__all__ = [
    "DEFAULT_DPS",
    "Case",
    "Expected",
    "ExpectedSource",
    "LiveOracle",
    "StoredCases",
    "case_from_vector",
    "instance_key",
    "to_digits",
    "to_float64",
    "vectors_source",
]


class ExpectedSource(Protocol):
    name: str

    def fixed_cases(self, f: Formula) -> list[Case] | None: ...

    def expected(self, f: Formula, raw: dict[str, Any]) -> Expected: ...


def instance_key(f: Formula, raw: dict[str, Any]) -> str:
    return f.id + "\n" + json.dumps(raw, sort_keys=True)


class LiveOracle:
    """The reference implementation evaluated at `dps` digits on the instance as given
    (binary64 numbers, so exactly what the implementation receives), with a cache keyed by
    formula and instance (hypothesis replays examples while it shrinks)."""

    def __init__(
        self,
        dps: int = DEFAULT_DPS,
        unit: float = 2.0**-52,
        persistent: OracleCache | None = None,
        defer: bool = False,
    ) -> None:
        """`unit`: the epsilon of the precision profile, for the answers a rounded evaluation
        could reach on a decision boundary (oracle/margins.py). `persistent`: answers kept
        across runs (oracle/cache.py; `rlspec conform` uses one unless --no-cache). `defer`:
        new answers wait in `pending` for keep() (write them) or forget() (a passing formula's
        plan holds them, conformance_tests/plans.py)."""
        self.dps = dps
        self.unit = unit
        self.name = f"oracle ({dps} digits)"
        self.cache: dict[str, Expected] = {}
        self.persistent = persistent
        self.defer = defer
        self.pending: dict[str, Expected] = {}

    def fixed_cases(self, f: Formula) -> list[Case] | None:
        return None

    def expected(self, f: Formula, raw: dict[str, Any]) -> Expected:
        key = instance_key(f, raw)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        disk = OracleCache.key("expected", key, str(self.dps), repr(self.unit))
        stored = self.persistent.load_expected(disk) if self.persistent is not None else None
        if stored is not None:
            self.cache[key] = stored
            return stored
        instance = from_mapping(json.loads(json.dumps(raw)))
        args = arguments(f, instance)
        value = compute(f, args, self.dps)
        others = reachable(f.id, args, self.dps, self.unit)
        with mp.workdps(self.dps):
            result = Expected(to_float64(value), to_digits(value, min(self.dps, 25)), others)
        self.cache[key] = result
        if self.persistent is not None:
            if self.defer:
                self.pending[disk] = result
            else:
                self.persistent.store_expected(disk, result)
        return result

    def keep(self) -> None:
        """Write the pending answers to the persistent cache."""
        if self.persistent is not None:
            for disk, result in self.pending.items():
                self.persistent.store_expected(disk, result)
        self.pending.clear()

    def forget(self) -> None:
        self.pending.clear()

    def remember(self, f: Formula, raw: dict[str, Any], expected: Expected) -> None:
        """An answer known from elsewhere (a stored plan), for this run."""
        self.cache.setdefault(instance_key(f, raw), expected)


def vectors_source(directory: str) -> ExpectedSource:
    """Stored vectors as the expected-value source (oracle.vectors.conformance_source)."""
    source: ExpectedSource = conformance_source(directory)
    return source


class StoredCases:
    """An expected-value source made of stored cases: formula id -> cases (vectors). Formulas
    without stored cases are checked on none (reported as "no instance could be checked")."""

    def __init__(self, cases: dict[str, list[Case]], name: str = "vectors") -> None:
        self.cases = cases
        self.name = name

    def fixed_cases(self, f: Formula) -> list[Case] | None:
        return self.cases.get(f.id, [])

    def expected(self, f: Formula, raw: dict[str, Any]) -> Expected:
        for case in self.cases.get(f.id, []):
            if case.raw == raw:
                return case.expected
        raise KeyError(f"no stored value for {f.id} on this instance")
