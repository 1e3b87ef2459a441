"""Evaluate a registered formula on an instance, at a requested precision, with an error bound.

`bound = "certified"`: the formula's certificate function (spec: Formula.certificate) bounds the
error of the computed value rigorously (e.g. a contraction residual evaluated at higher
precision), either one bound for every entry or a bound per entry. `bound = "estimated"`: the
value is recomputed at twice the working precision and the difference, inflated, is the bound
of each entry. Either way the rounding of the printed digits is added. `error_bound` is the
largest bound, `error_bounds` the bound of each entry; the working precision is raised until
every entry has the digits asked (`evaluate`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mpmath import mp

from rlspec import spec
from rlspec.oracle.errors import InstanceError, UsageError
from rlspec.oracle.families.common import array
from rlspec.oracle.instance import Instance, family_module
from rlspec.reference.numbers import Binary64Array
from rlspec.spec.formula import Formula
from rlspec.spec.selection import did_you_mean

GUARD_DIGITS = 10
MAX_EXTRA_DIGITS = 2000  # the most digits added to reach the digits asked, before giving up
ESTIMATE_SAFETY = 10  # the "estimated" bound is this many times the observed difference


class PrecisionError(UsageError):
    """Some entries could not be computed to the digits asked (one line, exit status 2)."""


@dataclass(frozen=True)
class OracleValue:
    formula: str
    dps: int
    value: Any  # mpf, or nested lists of mpf
    error_bound: Any  # mpf bounding |true - value| for every entry (the largest of `error_bounds`)
    bound: str  # "certified" | "estimated"
    error_bounds: Any = None  # mpf per entry, nested like value (None: error_bound for every entry)
    normalized: dict[str, str] = field(default_factory=dict)  # instance keys validation normalized

    def to_json(self) -> dict[str, Any]:
        digits = self.dps + 3
        with mp.workdps(digits + GUARD_DIGITS):
            return self._json(digits)

    def _json(self, digits: int) -> dict[str, Any]:
        bounds = self.error_bound if self.error_bounds is None else self.error_bounds
        per_entry = entry_bounds(self.value, bounds)
        printed = _zip_map(lambda x, b: b + printing_error(x, digits), self.value, per_entry)
        out = {
            "formula": self.formula,
            "dps": self.dps,
            "value": format_value(self.value, digits),
            "error_bound": format_bound(self.error_bound + printing_error(self.value, digits)),
            "bound": self.bound,
            "error_bounds": _zip_map(format_bound, printed),
        }
        if self.normalized:
            out["normalized"] = dict(self.normalized)
        return out


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
        hint = did_you_mean(formula_id, (f.id for f in spec.formulas()))
        raise UsageError(f"unknown formula {formula_id!r}{hint} (see `rlspec list`)") from None


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
    """The value of `formula_id` on `instance` with a bound per entry such that every entry has
    at least `dps` correct significant digits (or, where the value may be exactly 0, an absolute
    error below 10^-dps): the working precision is raised until it holds; PrecisionError names
    the entries that could not reach it."""
    if dps < 1:
        raise UsageError("--dps must be a positive integer")
    f = lookup(formula_id)
    args = arguments(f, instance)
    normalized = {a.source: instance.normalized[a.source] for a in f.args if a.source in instance.normalized}
    work = dps + GUARD_DIGITS
    extra, previous = 0, None
    while True:
        value, bounds = _bounded(f, args, work + extra)
        with mp.workdps(2 * (work + extra)):
            short = digits_short(value, bounds, dps, resolve_zeros=extra == 0)
            error_bound = max_abs(bounds)
        if short <= 0:
            return OracleValue(f.id, dps, value, error_bound, f.bound, bounds, normalized)
        # give up when more digits did not help (a bound that does not shrink with precision)
        if extra + short > MAX_EXTRA_DIGITS or (previous is not None and short >= previous):
            raise PrecisionError(_short_message(f.id, dps, value, bounds, work + extra))
        extra, previous = extra + short, short


def _bounded(f: Formula, args: list[Any], work: int) -> tuple[Any, Any]:
    """The value at `work` digits and its bound per entry (nested like the value)."""
    if f.bound == "certified" and f.certificate is not None:
        value = compute(f, args, work)
        with mp.workdps(2 * work):
            return value, entry_bounds(value, resolve(f.certificate)(*args, value=value))
    coarse = compute(f, args, work)
    fine = compute(f, args, 2 * work)
    with mp.workdps(2 * work):
        floor = mp.mpf(10) ** (-2 * work + 2)

        def estimate(x: Any, y: Any) -> Any:
            """ESTIMATE_SAFETY |x - y| plus a floor relative to the entry (absolute at 0)."""
            x, y = mp.mpf(x), mp.mpf(y)
            size = max(abs(x), abs(y))
            return ESTIMATE_SAFETY * abs(x - y) + floor * (size if size else 1)

        return fine, _zip_map(estimate, coarse, fine)


def digits_short(value: Any, bounds: Any, dps: int, resolve_zeros: bool) -> int:
    """How many more working digits the worst entry needs (0 when every entry is fine)."""
    target = mp.mpf(10) ** (-dps - 1)
    pairs = zip(leaves(value), leaves(bounds), strict=True)
    need = max((shortfall(x, b, target, resolve_zeros) for x, b in pairs), default=mp.zero)
    return 0 if need <= 1 else int(mp.ceil(mp.log10(need))) + 2


def shortfall(x: Any, b: Any, target: Any, resolve_zeros: bool) -> Any:
    """By what factor the bound b of an entry x must shrink (<= 1: the entry is fine).

    Fine: b <= target |x| (relative), or, when the value may be 0 (b >= |x|), b <= target
    (absolute). With `resolve_zeros`, a non-zero x whose bound reaches 0 is asked to be resolved
    relatively first (one more try before a tiny entry is taken for a zero)."""
    size, b = abs(mp.mpf(x)), mp.mpf(b)
    if b <= target * size:
        return mp.zero
    if size > b or (resolve_zeros and size):
        return b / (target * size)
    return b / target


def _short_message(formula_id: str, dps: int, value: Any, bounds: Any, work: int) -> str:
    """One line: which entries could not reach `dps` digits, with their values and bounds."""
    target = mp.mpf(10) ** (-dps - 1)
    pairs = zip(leaves(value), leaves(bounds), strict=True)
    bad = [(i, x, b) for i, (x, b) in enumerate(pairs) if shortfall(x, b, target, False) > 1]
    shown = ", ".join(f"entry {i} = {mp.nstr(x, 5)} +- {mp.nstr(b, 3)}" for i, x, b in bad[:3])
    more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
    return (
        f"{formula_id}: {len(bad)} entries could not reach {dps} significant digits at up to {work} working "
        f"digits ({shown}{more}; entries are numbered in row-major order)"
    )


# ---- nested values ---------------------------------------------------------------------------


def entry_bounds(value: Any, bound: Any) -> Any:
    """The bound of every entry, nested like value: a certificate returns either one bound for
    all entries (its maximum) or a bound per entry."""
    if isinstance(value, (list, tuple)):
        if isinstance(bound, (list, tuple)):
            return [entry_bounds(v, b) for v, b in zip(value, bound, strict=True)]
        return [entry_bounds(v, bound) for v in value]
    if isinstance(bound, (list, tuple)):
        raise ValueError("a bound per entry for a scalar value")
    return bound


def _zip_map(fn: Callable[..., Any], *values: Any) -> Any:
    """fn applied entry by entry to values of the same nested shape."""
    if isinstance(values[0], (list, tuple)):
        return [_zip_map(fn, *parts) for parts in zip(*values, strict=True)]
    return fn(*values)


def leaves(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, Binary64Array)):
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
    """An upper bound on the rounding of `value` (of its largest entry, when nested) printed
    with `digits` significant digits."""
    return max_abs(value) * mp.mpf(10) ** (1 - digits)
