"""Comparing what an implementation returned with the expected value, in units of
eps64 * scale (spec.formula.Tolerance), under the lecture's meaning or a declared convention."""

from __future__ import annotations

import builtins
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import CodeType
from typing import Any

import numpy as np

from rlspec.conformance_tests import conventions, diagnose
from rlspec.conformance_tests import scales as scale_helpers
from rlspec.conformance_tests.precision import FLOAT64, Profile
from rlspec.conformance_tests.worker import CallResult
from rlspec.spec.formula import Formula

EPS64 = 2.0**-52
LECTURE = "lecture"
SHOWN_ENTRIES = 5

SAFE_BUILTINS: dict[str, Any] = {
    n: getattr(builtins, n) for n in ("abs", "max", "min", "float", "int", "len", "sum", "pow", "round")
}
_HELPERS: dict[str, Any] = {
    n: v for n, v in vars(scale_helpers).items() if not n.startswith("_") and callable(v)
}


@dataclass(frozen=True)
class Entry:
    index: tuple[int, ...]
    expected: float
    got: float
    units: float


@dataclass
class Outcome:
    """One instance's verdict. `kind`: ok, value, nan, shape, raised, bad_output, timeout, crashed."""

    kind: str
    message: str = ""
    units: float = 0.0  # max error / (eps64 * scale), under the best-matching meaning
    scale: float = 1.0
    factor: float = 0.0
    matched: tuple[str, ...] = ()  # the meanings (lecture / conventions) within tolerance
    entries: list[Entry] = field(default_factory=list)
    expected: dict[str, np.ndarray] = field(default_factory=dict)  # meaning -> expected value
    limits: dict[str, float] = field(default_factory=dict)  # meaning -> absolute tolerance
    scales: dict[str, float] = field(default_factory=dict)  # meaning -> scale
    got: np.ndarray | None = None
    diagnoses: list[str] = field(default_factory=list)  # what the failure looks like (diagnose.py)

    @property
    def ok(self) -> bool:
        return self.kind == "ok"

    @property
    def hard(self) -> bool:
        """Costly to reproduce while shrinking (a hang or a crash)."""
        return self.kind in ("timeout", "crashed")


@cache
def _compiled(expression: str) -> CodeType:
    """A scale expression compiled once (eval of the text compiled it on every instance)."""
    return compile(expression, "<tolerance scale>", "eval")


def tolerance_scale(f: Formula, inputs: Mapping[str, Any], expected: np.ndarray) -> float:
    namespace: dict[str, Any] = {"np": np, **_HELPERS, **inputs, "expected": expected}
    value = float(eval(_compiled(f.tolerance.scale), {"__builtins__": SAFE_BUILTINS}, namespace))
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{f.id}: tolerance scale {f.tolerance.scale!r} is {value} on this instance")
    return value


def meanings(f: Formula, inputs: Mapping[str, Any], expected: np.ndarray) -> dict[str, np.ndarray]:
    """The lecture's value and each declared convention's, by name."""
    out = {LECTURE: expected}
    for c in f.conventions:
        transform = getattr(conventions, c.transform, None)
        if transform is None:
            raise ValueError(
                f"{f.id}: convention {c.name!r} names conventions.{c.transform}, which does not exist"
            )
        out[c.name] = np.asarray(transform(expected, inputs), dtype=np.float64)
    return out


def compare(
    f: Formula,
    inputs: Mapping[str, Any],
    expected: np.ndarray,
    result: CallResult,
    profile: Profile = FLOAT64,
    alternatives: Sequence[np.ndarray] = (),
) -> Outcome:
    """The verdict on one instance; tolerances in units of the profile's epsilon (precision.py).
    `alternatives`: other answers a float64 evaluation could reach where the exact one sits on a
    decision boundary (oracle/margins.py); the lecture's meaning is the one nearest to `got`."""
    eps = profile.eps
    values = meanings(f, inputs, expected)
    scales = {name: tolerance_scale(f, inputs, v) for name, v in values.items()}
    limits = {name: f.tolerance.factor * eps * scale for name, scale in scales.items()}
    base = Outcome("ok", factor=f.tolerance.factor, expected=values, limits=limits, scales=scales)
    if not result.ok:
        base.kind, base.message = result.kind, result.message
        return base
    got = result.array()
    base.got = got
    if got.shape != expected.shape:
        if expected.shape == () and got.size == 1:
            got = got.reshape(())
            base.got = got
        else:
            base.kind = "shape"
            base.message = f"returned shape {list(got.shape)}, expected {list(expected.shape)}"
            if np.all(np.isfinite(got)):
                base.diagnoses = diagnose.shape_diagnoses(f, inputs, expected, got, limits[LECTURE])
            base.message += looks_like(base.diagnoses)
            return base
    if not np.all(np.isfinite(got)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0]) if got.ndim else ()
        base.kind = "nan"
        base.message = f"returned {got[index]} at {list(index)}"
        return base
    if alternatives:
        values[LECTURE] = nearest(got, (expected, *alternatives))
        scales[LECTURE] = tolerance_scale(f, inputs, values[LECTURE])
        limits[LECTURE] = f.tolerance.factor * eps * scales[LECTURE]
    best_name, best_units = LECTURE, math.inf
    matched = []
    for name, value in values.items():
        scale = scales[name]
        units = float(np.max(np.abs(got - value))) / (eps * scale) if got.size else 0.0
        if units <= f.tolerance.factor:
            matched.append(name)
        if units < best_units:
            best_name, best_units = name, units
    base.matched = tuple(matched)
    name = matched[0] if matched else best_name
    scale = scales[name]
    base.scale = scale
    base.units = float(np.max(np.abs(got - values[name]))) / (eps * scale) if got.size else 0.0
    if matched:
        return base
    base.kind = "value"
    base.scale = scales[best_name]
    base.entries = differing(values[best_name], got, limits[best_name], eps * base.scale)
    absolute = float(np.max(np.abs(got - values[best_name])))
    base.units = absolute / (eps * base.scale)
    against = "" if best_name == LECTURE else f" (against the closest declared convention, {best_name})"
    base.message = (
        f"max |got - expected| = {absolute:.3e} = {base.units:.3g} units of {profile.unit} * scale, "
        f"tolerance {f.tolerance.factor:g} units ({f.tolerance.name}){against}"
    )
    found = diagnose.value_diagnoses(f, inputs, values[best_name], got, limits[best_name])
    base.diagnoses = [d for d in found if profile is FLOAT64 or not d.startswith("float32")]
    base.message += looks_like(base.diagnoses)
    return base


def looks_like(diagnoses: list[str]) -> str:
    """The diagnoses as a tail of a one-line message."""
    return "; looks like " + "; ".join(diagnoses) if diagnoses else ""


def nearest(got: np.ndarray, candidates: Sequence[np.ndarray]) -> np.ndarray:
    """The candidate with the smallest max |got - candidate| (the first on a tie)."""
    return min(candidates, key=lambda c: float(np.max(np.abs(got - c))) if got.size else 0.0)


def differing(expected: np.ndarray, got: np.ndarray, limit: float, unit: float) -> list[Entry]:
    """The first few entries outside the tolerance (the largest error if none is)."""
    diff = np.abs(got - expected)
    indices = [tuple(int(i) for i in ix) for ix in np.argwhere(diff > limit)] if got.ndim else []
    if got.ndim == 0:
        indices = [()]
    if not indices:
        indices = [tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))]
    return [
        Entry(ix, float(expected[ix]), float(got[ix]), float(diff[ix]) / unit)
        for ix in indices[:SHOWN_ENTRIES]
    ]
