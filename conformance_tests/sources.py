"""Where the suite's expected values come from: the live oracle, or stored vectors.

An expected-value source has
  name                          "oracle", "vectors:DIR", ...
  fixed_cases(formula)          None: the suite draws instances (hypothesis) and asks
                                `expected` for each; or a list of `Case` to run as they are
                                (stored vectors), with their expected values
  expected(formula, raw)        the value on a drawn JSON-ready instance, as `Expected`
The vectors engineer plugs `--vectors DIR` in by defining, in oracle/vectors.py,
`conformance_source(directory: str) -> <an object with this interface>`.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from mpmath import mp

from rlspec.oracle.errors import UsageError
from rlspec.oracle.evaluate import arguments, compute
from rlspec.oracle.instance import from_mapping
from rlspec.spec.formula import Formula

DEFAULT_DPS = 40


@dataclass(frozen=True)
class Expected:
    """An expected value: float64 (correctly rounded) and, where known, the decimal digits."""

    value: np.ndarray
    digits: Any = None  # nested lists of decimal strings (or one string), or None


@dataclass(frozen=True)
class Case:
    """A stored instance with its expected value."""

    raw: dict[str, Any]
    expected: Expected
    label: str = ""


class ExpectedSource(Protocol):
    name: str

    def fixed_cases(self, f: Formula) -> list[Case] | None: ...

    def expected(self, f: Formula, raw: dict[str, Any]) -> Expected: ...


def to_float64(value: Any) -> np.ndarray:
    """An mpf or nested lists of mpf (or decimal strings) -> a float64 array, entry by entry
    correctly rounded."""
    if isinstance(value, (list, tuple)):
        return np.asarray([to_float64(v) for v in value], dtype=np.float64)
    if isinstance(value, str):
        return np.asarray(float(mp.mpf(value)), dtype=np.float64)
    return np.asarray(float(mp.mpf(value)), dtype=np.float64)


def to_digits(value: Any, digits: int) -> Any:
    if isinstance(value, (list, tuple)):
        return [to_digits(v, digits) for v in value]
    return mp.nstr(mp.mpf(value), digits, strip_zeros=False)


def instance_key(f: Formula, raw: dict[str, Any]) -> str:
    return f.id + "\n" + json.dumps(raw, sort_keys=True)


class LiveOracle:
    """The reference implementation evaluated at `dps` digits on the instance as given
    (binary64 numbers, so exactly what the implementation receives), with a cache keyed by
    formula and instance (hypothesis replays examples while it shrinks)."""

    def __init__(self, dps: int = DEFAULT_DPS) -> None:
        self.dps = dps
        self.name = f"oracle ({dps} digits)"
        self.cache: dict[str, Expected] = {}

    def fixed_cases(self, f: Formula) -> list[Case] | None:
        return None

    def expected(self, f: Formula, raw: dict[str, Any]) -> Expected:
        key = instance_key(f, raw)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        instance = from_mapping(json.loads(json.dumps(raw)))
        value = compute(f, arguments(f, instance), self.dps)
        with mp.workdps(self.dps):
            result = Expected(to_float64(value), to_digits(value, min(self.dps, 25)))
        self.cache[key] = result
        return result


def vectors_source(directory: str) -> ExpectedSource:
    """Stored vectors as the expected-value source (oracle.vectors.conformance_source)."""
    try:
        module = importlib.import_module("rlspec.oracle.vectors")
        factory = module.conformance_source
    except (ImportError, AttributeError):
        raise UsageError(
            "--vectors: this rlspec has no vector reader (oracle.vectors.conformance_source)"
        ) from None
    source: ExpectedSource = factory(directory)
    return source


def case_from_vector(doc: dict[str, Any]) -> Case:
    """A stored vector case (oracle/vectors.py: {"instance", "value" as decimal strings, "name",
    ...}) as a Case: the float64 value correctly rounded from the stored digits."""
    with mp.workdps(max(int(doc.get("dps", DEFAULT_DPS)), 20) + 10):
        value = to_float64(doc["value"])
    return Case(dict(doc["instance"]), Expected(value, doc["value"]), str(doc.get("name", "")))


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
