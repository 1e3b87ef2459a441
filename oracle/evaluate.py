"""Evaluate a registered formula on an instance, at a requested precision, with an error bound.

`bound = "certified"`: the formula's certificate function (spec: Formula.certificate) bounds the
error of the computed value rigorously (e.g. a contraction residual evaluated at higher
precision). `bound = "estimated"`: the value is recomputed at twice the working precision and
the difference, inflated, is the bound. Either way the rounding of the printed digits is added.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mpmath import mp

from rlspec import spec
from rlspec.oracle.errors import InstanceError, UsageError
from rlspec.oracle.families.common import array
from rlspec.oracle.instance import Instance, family_module
from rlspec.spec.formula import Formula

GUARD_DIGITS = 10
EXTRA_DIGITS = (0, 20, 60)  # retries of a certified value whose bound misses the digits asked
ESTIMATE_SAFETY = 10  # the "estimated" bound is this many times the observed difference


@dataclass(frozen=True)
class OracleValue:
    formula: str
    dps: int
    value: Any  # mpf, or nested lists of mpf
    error_bound: Any  # mpf bounding |true - value| for every entry
    bound: str  # "certified" | "estimated"

    def to_json(self) -> dict[str, Any]:
        digits = self.dps + 3
        with mp.workdps(digits + GUARD_DIGITS):
            return self._json(digits)

    def _json(self, digits: int) -> dict[str, Any]:
        return {
            "formula": self.formula,
            "dps": self.dps,
            "value": format_value(self.value, digits),
            "error_bound": format_bound(self.error_bound + printing_error(self.value, digits)),
            "bound": self.bound,
        }


def resolve(dotted: str) -> Callable[..., Any]:
    """'module:function' -> the function."""
    module, _, name = dotted.partition(":")
    fn = getattr(importlib.import_module(module), name)
    if not callable(fn):
        raise TypeError(f"{dotted} is not callable")
    return fn  # type: ignore[no-any-return]


def lookup(formula_id: str) -> Formula:
    try:
        return spec.formula(formula_id)
    except KeyError:
        raise UsageError(f"unknown formula {formula_id!r} (see `rlspec list`)") from None


def arguments(f: Formula, instance: Instance) -> list[Any]:
    """The formula's arguments read from the instance, exact, in adapter order."""
    if instance.family != f.family:
        raise InstanceError("family", f"is {instance.family!r}, but {f.id} needs the {f.family!r} family")
    bound: dict[str, int] = dict(family_module(instance.family).sizes(instance))
    out = []
    for arg in f.args:
        if not instance.has(arg.source):
            raise InstanceError(arg.source, f"missing: {f.id} needs it ({arg.doc})")
        value = array(instance, arg.source, ndim=len(arg.shape))
        bind_shape(arg.source, arg.shape, instance.checked[arg.source][1], bound)
        out.append(value)
    return out


def bind_shape(key: str, symbols: tuple[str, ...], shape: tuple[int, ...], bound: dict[str, int]) -> None:
    """Check `shape` against symbolic dimensions, binding symbols not bound yet (e.g. a batch N)."""
    for axis, (symbol, size) in enumerate(zip(symbols, shape, strict=True)):
        if symbol.isdigit():
            expected: int | None = int(symbol)
        else:
            expected = bound.setdefault(symbol, size)
        if expected != size:
            raise InstanceError(key, f"axis {axis} has length {size}, expected {symbol} = {expected}")


def compute(f: Formula, args: list[Any], dps: int) -> Any:
    """The reference value at `dps` decimal digits of working precision."""
    fn = resolve(f.reference)
    with mp.workdps(dps):
        return fn(*args)


def evaluate(formula_id: str, instance: Instance, dps: int = 30) -> OracleValue:
    """The value of `formula_id` on `instance` to at least `dps` digits, with an error bound."""
    if dps < 1:
        raise UsageError("--dps must be a positive integer")
    f = lookup(formula_id)
    args = arguments(f, instance)
    work = dps + GUARD_DIGITS
    if f.bound == "certified" and f.certificate is not None:
        certify = resolve(f.certificate)
        # A residual bound amplifies the rounding of the value by the conditioning (1/(1-gamma)
        # for a contraction): when the bound does not reach dps digits, compute with more digits.
        for extra in EXTRA_DIGITS:
            value = compute(f, args, work + extra)
            with mp.workdps(2 * (work + extra)):
                bound = certify(*args, value=value)
                if bound <= mp.mpf(10) ** (-dps - 1) * (1 + max_abs(value)):
                    break
        return OracleValue(f.id, dps, value, bound, "certified")
    coarse = compute(f, args, work)
    fine = compute(f, args, 2 * work)
    with mp.workdps(2 * work):
        diff = max_abs_difference(coarse, fine)
        floor = mp.mpf(10) ** (-2 * work + 2) * (1 + max_abs(fine))
        bound = ESTIMATE_SAFETY * diff + floor
    return OracleValue(f.id, dps, fine, bound, "estimated")


# ---- nested values ---------------------------------------------------------------------------


def leaves(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in leaves(v)]
    return [value]


def max_abs(value: Any) -> Any:
    return max((abs(mp.mpf(x)) for x in leaves(value)), default=mp.zero)


def max_abs_difference(a: Any, b: Any) -> Any:
    xs, ys = leaves(a), leaves(b)
    if len(xs) != len(ys):
        raise ValueError("values of different shapes")
    return max((abs(mp.mpf(x) - mp.mpf(y)) for x, y in zip(xs, ys, strict=True)), default=mp.zero)


def format_value(value: Any, digits: int) -> Any:
    if isinstance(value, (list, tuple)):
        return [format_value(v, digits) for v in value]
    if isinstance(value, (bool, int)):
        return str(int(value))
    return mp.nstr(mp.mpf(value), digits, strip_zeros=False)


def format_bound(bound: Any) -> str:
    """The bound with 3 significant digits, never below it: nstr rounds to nearest (relative
    error < 0.5e-2), so a 1e-2 relative inflation first keeps the printed number an upper bound."""
    return str(mp.nstr(mp.mpf(bound) * (1 + mp.mpf("0.01")), 3, strip_zeros=False))


def printing_error(value: Any, digits: int) -> Any:
    """An upper bound on the rounding of `value` printed with `digits` significant digits."""
    return max_abs(value) * mp.mpf(10) ** (1 - digits)
