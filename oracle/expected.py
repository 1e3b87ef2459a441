"""Expected values as the float64 world sees them: an oracle value correctly rounded to float64,
with its decimal digits, and stored cases (an instance with its expected value).

Shared by the golden vectors (oracle/vectors.py) and the conformance suite's expected-value
sources (conformance_tests/sources.py), which sit above the oracle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from mpmath import mp

DEFAULT_DPS = 40


@dataclass(frozen=True)
class Expected:
    """An expected value: float64 (correctly rounded) and, where known, the decimal digits."""

    value: np.ndarray
    digits: Any = None  # nested lists of decimal strings (or one string), or None
    # other answers a float64 evaluation could reach on a decision boundary (oracle/margins.py)
    alternatives: tuple[np.ndarray, ...] = ()


@dataclass(frozen=True)
class Case:
    """A stored instance with its expected value."""

    raw: dict[str, Any]
    expected: Expected
    label: str = ""


def to_float64(value: Any) -> np.ndarray:
    """An mpf or nested lists of mpf (or decimal strings) -> a float64 array, entry by entry
    correctly rounded."""
    if isinstance(value, (list, tuple)):
        return np.asarray([to_float64(v) for v in value], dtype=np.float64)
    return np.asarray(float(mp.mpf(value)), dtype=np.float64)


def to_digits(value: Any, digits: int) -> Any:
    """An mpf or nested lists of mpf -> the same nesting of decimal strings with `digits` digits."""
    if isinstance(value, (list, tuple)):
        return [to_digits(v, digits) for v in value]
    return mp.nstr(mp.mpf(value), digits, strip_zeros=False)


def case_from_vector(doc: dict[str, Any]) -> Case:
    """A stored vector case (oracle/vectors.py: {"instance", "value" as decimal strings, "name",
    "dps", ...}) as a Case: the float64 value correctly rounded from the stored digits."""
    with mp.workdps(max(int(doc.get("dps", DEFAULT_DPS)), 20) + 10):
        value = to_float64(doc["value"])
    return Case(dict(doc["instance"]), Expected(value, doc["value"]), str(doc.get("name", "")))
