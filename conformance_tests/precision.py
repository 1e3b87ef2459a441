"""Precision profiles: the floating-point format an implementation is checked in.

`float64` is the default. Under `float32` (`rlspec conform --dtype float32`):

* every drawn float is rounded to float32 before anything else sees it, so the instance is
  exactly float32 numbers and the oracle evaluates exactly what the implementation receives;
  probability rows (P[s][a], mu, pi) are rounded to multiples of 2^-24 (float32 numbers) with
  their largest entry taking the remainder, so they still sum to exactly 1 (a positive entry
  stays positive: at least 2^-24, float32's resolution next to 1);
* the adapter receives float32 arrays (scalars as numpy.float32);
* an instance whose exact answer or tolerance scale lies outside float32's range is not drawn;
* tolerances keep each formula's conditioning scale and factor, with float32's epsilon (2^-23)
  in place of float64's (2^-52): an entry conforms when |got - expected| <= factor * eps32 *
  scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from rlspec.oracle.errors import UsageError

PROBABILITY_KEYS = ("P", "mu", "pi")
GRID = 2**24  # probability rows of a float32 instance are multiples of 1 / GRID


@dataclass(frozen=True)
class Profile:
    name: str
    dtype: type[np.floating[Any]]
    eps: float

    @property
    def unit(self) -> str:
        """How the reports name the unit of error: eps64 or eps32."""
        return "eps" + self.name.removeprefix("float")

    def instance(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The drawn instance in this format (unchanged for float64)."""
        if self.dtype is np.float64:
            return raw
        return {key: _rounded(key, value) for key, value in raw.items()}

    def admits(self, value: Any, scale: Callable[[], float]) -> bool:
        """Whether an instance is one of this format's: its exact answer and the formula's
        tolerance scale on it (the size of the quantities a computation of it handles, e.g.
        H_jj std_j^2 at log_std = 44, which overflows float32 even where the answer does not)
        are within range. Every instance is a float64 one."""
        return self.dtype is np.float64 or (self.represents(value) and self.represents(scale()))

    def represents(self, value: Any) -> bool:
        """Whether every entry of an exact value is within this format's range: an instance
        whose answer overflows float32 (e.g. std^2 at log_std = 50) is not a float32 instance."""
        return bool(np.all(np.abs(np.asarray(value, dtype=np.float64)) <= np.finfo(self.dtype).max))


FLOAT64 = Profile("float64", np.float64, 2.0**-52)
FLOAT32 = Profile("float32", np.float32, 2.0**-23)
PROFILES = {p.name: p for p in (FLOAT64, FLOAT32)}


def profile(name: str) -> Profile:
    found = PROFILES.get(name)
    if found is None:
        raise UsageError(f"--dtype: {name!r} is not a precision profile (choose from {', '.join(PROFILES)})")
    return found


def _rounded(key: str, value: Any) -> Any:
    if key == "params" and isinstance(value, dict):
        return {k: _rounded(k, v) for k, v in value.items()}
    if key in PROBABILITY_KEYS:
        return _probability_rows(value)
    return _to_float32(value)


def _to_float32(value: Any) -> Any:
    if isinstance(value, list):
        return [_to_float32(v) for v in value]
    if isinstance(value, float):
        return float(np.float32(value))
    if isinstance(value, str):  # an exact decimal or rational; other text (the family) stays
        try:
            return float(np.float32(float(Fraction(value.replace(" ", "")))))
        except ValueError:
            return value
    return value


def _probability_rows(value: Any) -> Any:
    if isinstance(value, list) and value and isinstance(value[0], list):
        return [_probability_rows(row) for row in value]
    if not isinstance(value, list):
        return _to_float32(value)
    return _grid_row([float(p) for p in value])


def _grid_row(row: list[float]) -> list[float]:
    """The row on the 1/GRID grid, summing to exactly 1; positives stay positive."""
    units = [max(1, round(p * GRID)) if p > 0 else 0 for p in row]
    largest = max(range(len(row)), key=lambda i: row[i])
    units[largest] += GRID - sum(units)
    return [u / GRID for u in units]
