"""Instance files: exact JSON reading and writing, and generic validation.

A JSON number is read as the exact binary64 value it denotes; a string is an exact decimal
("0.1") or rational ("1/3"). Values are held as `fractions.Fraction` (nested lists for arrays),
or, for the large arrays a family declares (tabular P and R), as a `Binary64Array` when every
entry is a JSON number: the same exact values without a Fraction per entry.
Family-specific checks live in `oracle.families.<family>` (a `validate(instance)` function).
Validation may divide a probability vector by its sum (within 1e-12 of 1, the rounding of
decimal inputs to binary64); it then records that in `Instance.normalized`, and every output
computed from that key says so.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

from rlspec.oracle.errors import InstanceError
from rlspec.reference.numbers import Binary64Array

_RATIONAL = re.compile(r"^\s*[+-]?\d+\s*/\s*\d+\s*$")


@dataclass
class Instance:
    """A parsed instance: its family, top-level keys and `params`, all numbers exact."""

    family: str
    data: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)
    # keys already converted to exact values: key -> (the converted object, its shape).
    # oracle.families.common.array converts each key once; the same list objects are then
    # handed to every formula, which lets reference.mdp reuse its fixed-point images of them.
    checked: dict[str, tuple[Any, tuple[int, ...]]] = field(default_factory=dict, repr=False, compare=False)
    # keys whose probability vectors validation divided by their sums: key -> what it did
    normalized: dict[str, str] = field(default_factory=dict, compare=False)

    def has(self, source: str) -> bool:
        if source.startswith("params."):
            return source[len("params.") :] in self.params
        return source in self.data

    def get(self, source: str) -> Any:
        """The value at `source` ("P" or "params.eta"); InstanceError naming it if missing."""
        if source.startswith("params."):
            key = source[len("params.") :]
            if key not in self.params:
                raise InstanceError(source, "missing (this formula needs it)")
            return self.params[key]
        if source not in self.data:
            raise InstanceError(source, "missing (this formula needs it)")
        return self.data[source]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"family": self.family}
        out.update({k: to_json_value(v) for k, v in self.data.items()})
        if self.params:
            out["params"] = {k: to_json_value(v) for k, v in self.params.items()}
        return out


def exact(value: Any, key: str) -> Any:
    """A JSON value (number, numeric string, or nested lists of them) as exact Fractions."""
    if type(value) is Fraction or type(value) is Binary64Array:
        return value
    if type(value) is list and value and all(type(v) is Fraction for v in value):
        return list(value)  # the common case, a row of parsed JSON numbers
    if isinstance(value, bool):
        raise InstanceError(key, f"expected a number, got {json.dumps(value)}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InstanceError(key, f"{value} is not a finite number")
        return Fraction(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if _RATIONAL.match(text):
                num, den = text.split("/")
                if int(den) == 0:
                    raise InstanceError(key, f"{value!r} divides by zero")
                return Fraction(int(num), int(den))
            result = Fraction(text)
        except (ValueError, ZeroDivisionError):
            hint = 'use a decimal like "0.1" or "1/3"'
            raise InstanceError(key, f"{value!r} is not a number ({hint})") from None
        return result
    if isinstance(value, list):
        return [exact(v, f"{key}[{i}]") for i, v in enumerate(value)]
    raise InstanceError(key, f"expected a number or an array, got {type(value).__name__}")


def to_json_value(value: Any) -> Any:
    """Exact value -> JSON: a binary64-representable Fraction as a JSON number, else "p/q"."""
    if isinstance(value, Binary64Array):
        return value.tolist()
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    if isinstance(value, Fraction):
        if value.denominator == 1 and abs(value.numerator) < 2**53:
            return int(value.numerator)
        as_float = float(value)
        if Fraction(as_float) == value:
            return as_float
        return f"{value.numerator}/{value.denominator}"
    return value


def parse(text: str) -> Instance:
    """Parse instance JSON text; numbers exact. Raises InstanceError with the key on bad input.

    JSON numbers are decoded as binary64 floats (correctly rounded, so exactly the value the
    number denotes; NaN and Infinity too, so that validation can name the key holding them) and
    become exact values when validation reads each key (`exact`, or a Binary64Array)."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InstanceError("(json)", f"not valid JSON: {exc.msg} at {where}") from None
    return from_mapping(raw)


def from_mapping(raw: Any) -> Instance:
    """Build and validate an Instance from decoded JSON (numbers may be ints, floats, Fractions, strings)."""
    if not isinstance(raw, Mapping):
        raise InstanceError("(json)", "the instance must be a JSON object")
    family = raw.get("family")
    if not isinstance(family, str):
        raise InstanceError("family", "missing or not a string (e.g. \"tabular\")")
    module = family_module(family)
    params_raw = raw.get("params", {})
    if not isinstance(params_raw, Mapping):
        raise InstanceError("params", "must be a JSON object")
    data = {k: v for k, v in raw.items() if k not in ("family", "params")}
    instance = Instance(family, data, dict(params_raw))
    module.validate(instance)
    return instance


def family_module(family: str) -> ModuleType:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", family):
        raise InstanceError("family", f"unknown family {family!r}")
    try:
        return importlib.import_module(f"rlspec.oracle.families.{family}")
    except ModuleNotFoundError:
        raise InstanceError("family", f"unknown family {family!r}") from None


def load(path: str | Path) -> Instance:
    """Read and validate an instance file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InstanceError("(file)", f"cannot read {path}: {exc.strerror}") from None
    return parse(text)


def dumps(instance: Instance | Mapping[str, Any]) -> str:
    """Canonical JSON text of an instance (stable key order, shortest round-trip floats)."""
    obj = instance.to_json() if isinstance(instance, Instance) else instance
    return json.dumps(obj, indent=1, sort_keys=False) + "\n"
