"""Validation helpers shared by the families: shapes, probability vectors, the discount and the
start distribution, positive params, the KL budget."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import numpy as np

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.instance import Instance, exact
from rlspec.reference.numbers import Binary64Array

Shape = tuple[int, ...]


def shape_of(value: Any, key: str) -> Shape:
    """The shape of a nested list; InstanceError if it is ragged."""
    if isinstance(value, Binary64Array):
        if 0 in value.floats.shape:
            raise InstanceError(key, "is an empty array")
        return tuple(int(n) for n in value.floats.shape)
    if not isinstance(value, list):
        return ()
    if not value:
        raise InstanceError(key, "is an empty array")
    if not any(type(v) is list for v in value):  # a row of numbers (the common case)
        return (len(value),)
    inner = [shape_of(v, f"{key}[{i}]") for i, v in enumerate(value)]
    for i, s in enumerate(inner):
        if s != inner[0]:
            expected = f"expected {list(inner[0])} like {key}[0]"
            raise InstanceError(f"{key}[{i}]", f"has shape {list(s)}, {expected}")
    return (len(value), *inner[0])


def array(
    instance: Instance, key: str, shape: Shape | None = None, ndim: int | None = None, binary64: bool = False
) -> Any:
    """Read `key` (top-level, or "params.x"), convert it to exact values, check its shape.
    With `binary64`, an array of JSON numbers becomes a Binary64Array (a large array read
    without a Fraction per entry); other arrays become nested lists of Fractions."""
    raw = instance.get(key)
    known = instance.checked.get(key)
    if known is not None and known[0] is raw:
        value, got = raw, known[1]
    else:
        value = (binary64 and _binary64_array(raw, key)) or exact(raw, key)
        got = shape_of(value, key)
    if shape is not None and got != shape:
        raise InstanceError(key, f"has shape {list(got)}, expected {list(shape)}")
    if ndim is not None and len(got) != ndim:
        raise InstanceError(key, f"has {len(got)} dimensions, expected {ndim}")
    _store(instance, key, value)
    instance.checked[key] = (value, got)
    return value


_BINARY64_INTEGER = 2**53  # integers up to this size are exact binary64 numbers


def _binary64_array(raw: Any, key: str) -> Binary64Array | None:
    """`raw` (nested lists of JSON numbers) as a Binary64Array, or None when some entry is not a
    number exactly representable in binary64 (a string, a huge integer, a ragged array): the
    exact route then reads it (and names what is wrong)."""
    if not isinstance(raw, list):
        return None
    try:
        items = np.array(raw, dtype=object)
    except ValueError:
        return None
    entries = items.ravel().tolist()
    kinds = set(map(type, entries))
    if not kinds <= {float, int} or not entries:
        return None
    if int in kinds and any(type(x) is int and abs(x) > _BINARY64_INTEGER for x in entries):
        return None
    floats = items.astype(np.float64)
    finite = np.isfinite(floats)
    if not finite.all():
        where = np.argwhere(~finite)[0]
        entry = key + "".join(f"[{i}]" for i in where)
        raise InstanceError(entry, f"{floats[tuple(where)]} is not a finite number")
    return Binary64Array(floats)


def _store(instance: Instance, key: str, value: Any) -> None:
    if key.startswith("params."):
        instance.params[key[len("params.") :]] = value
    else:
        instance.data[key] = value


def flat(value: Any) -> list[Fraction]:
    if isinstance(value, list):
        return [x for v in value for x in flat(v)]
    return [value]


def discount(instance: Instance) -> Fraction:
    gamma = array(instance, "gamma", shape=())
    if not 0 <= gamma < 1:
        raise InstanceError("gamma", f"is {show(gamma)}, must satisfy 0 <= gamma < 1")
    assert isinstance(gamma, Fraction)
    return gamma


def start_distribution(instance: Instance, states: int) -> None:
    """`mu` [states]: a probability vector (divided by its sum if it is not exactly 1: recorded)."""
    array(instance, "mu", shape=(states,))
    probability_rows(instance, "mu")


def exact_sum(values: list[Fraction]) -> Fraction:
    """sum(values), exactly; fast when one denominator is a multiple of all (binary64 inputs)."""
    dens = [v.denominator for v in values]
    top = max(dens, default=1)
    if all(top % d == 0 for d in dens):
        return Fraction(sum(v.numerator * (top // v.denominator) for v in values), top)
    return sum(values, Fraction(0))


def probability_vector(value: list[Fraction], key: str) -> None:
    """Entries >= 0 summing to 1 exactly, or within 1e-12 (binary64 rounding of the inputs)."""
    for i, p in enumerate(value):
        if p.numerator < 0:
            raise InstanceError(f"{key}[{i}]", f"is {show(p)}, a probability must be >= 0")
    total = exact_sum(value)
    if abs(total - 1) > Fraction(1, 10**12):
        raise InstanceError(key, f"sums to {show(total)}, must sum to 1")


def normalized(value: list[Fraction]) -> list[Fraction]:
    """The vector divided by its sum (so it sums to exactly 1; a no-op when it already does)."""
    total = exact_sum(value)
    return value if total == 1 else [p / total for p in value]


def probability_rows(instance: Instance, key: str) -> None:
    """The already read array `key` ([..][k]): each row along its last axis a probability vector.
    Rows whose exact sum is within 1e-12 of 1 but not 1 (decimal inputs rounded to binary64)
    are divided by their sums, and instance.normalized[key] says how many and by how much."""
    value, shape = instance.checked[key]
    if isinstance(value, Binary64Array):
        if _exact_binary64_rows(value, key):
            return
        value = exact(value.tolist(), key)  # rare: rows to normalize, exactly
    rows = _rows(value, len(shape))
    sums = []
    for index, row in rows:
        probability_vector(row, key + "".join(f"[{i}]" for i in index))
        sums.append(exact_sum(row))
    off = [t for t in sums if t != 1]
    if not off:
        return
    for _, row in rows:
        row[:] = normalized(row)
    instance.checked.pop(key)
    _store(instance, key, value)
    instance.checked[key] = (value, shape)
    instance.normalized[key] = _normalization_note(off, len(sums))


def _exact_binary64_rows(value: Binary64Array, key: str) -> bool:
    """Entries >= 0 (else InstanceError naming the entry); True when every row sums to exactly 1:
    fsum is correctly rounded, so fsum(row + [-1]) is 0.0 exactly when the exact sum is 1."""
    negative = np.argwhere(value.floats < 0)
    if len(negative):
        where = tuple(int(i) for i in negative[0])
        entry = key + "".join(f"[{i}]" for i in where)
        raise InstanceError(entry, f"is {float(value.floats[where])!r}, a probability must be >= 0")
    if (value.floats > 1).any():
        return False  # not a probability vector: the exact route says which row (and fsum cannot overflow)
    rows = value.floats.reshape(-1, value.floats.shape[-1]).tolist()
    return all(math.fsum([*row, -1.0]) == 0.0 for row in rows)


def _rows(value: Any, ndim: int) -> list[tuple[tuple[int, ...], list[Fraction]]]:
    """(index, row) for every row along the last axis of a nested list of `ndim` dimensions."""
    if ndim == 1:
        return [((), value)]
    return [((i, *index), row) for i, inner in enumerate(value) for index, row in _rows(inner, ndim - 1)]


def _normalization_note(sums: list[Fraction], rows: int) -> str:
    """What dividing by the sums did, for the output: how many rows, and the sums (20 digits)."""

    def digits(x: Fraction) -> str:
        with localcontext() as context:
            context.prec = 20
            return str(Decimal(x.numerator) / Decimal(x.denominator))

    low, high = min(sums), max(sums)
    what = "divided by its sum" if rows == 1 else f"{len(sums)} of {rows} rows divided by their sums"
    span = digits(low) if low == high else f"from {digits(low)} to {digits(high)}"
    return f"{what} ({span}; the value is for the normalized instance)"


def binary64_distribution(p: Any) -> list[float]:
    """p (>= 0, summing to about 1) as binary64 numbers whose exact sum is 1: every entry is
    rounded to a multiple of 2^-52 (exact in binary64) and the rounding slack goes to the
    largest entry, so that validation keeps the exact binary64 values (no normalization)."""
    units = [round(float(x) * 2.0**52) for x in p]
    k = int(np.argmax(p))
    units[k] += 2**52 - sum(units)
    return [u * 2.0**-52 for u in units]


def sample_budget(rng: np.random.Generator, domain: str, shape: tuple[int, ...], raw: dict[str, Any]) -> Any:
    """`budget`: the KL budget alpha of the natural step, log-uniform in [1e-4, 1]."""
    if domain == "budget":
        return float(10.0 ** rng.uniform(-4.0, 0.0))
    return None


def positive_param(instance: Instance, name: str, meaning: str) -> None:
    """params.<name>, when given, must be a number > 0 (`meaning` names it in the error)."""
    key = f"params.{name}"
    if name in instance.params:
        x = array(instance, key, shape=())
        if not x > 0:
            raise InstanceError(key, f"is {show(x)}, {meaning} must be > 0")


def show(x: Fraction) -> str:
    """x for an error message: as a float, or in scientific notation beyond the binary64 range."""
    try:
        return repr(float(x))
    except OverflowError:
        digits = len(str(abs(x.numerator) // x.denominator)) - 1
        return f"{'-' if x < 0 else ''}~1e{digits}"


def scalar_param(instance: Instance, name: str, ok: Callable[[Fraction], bool], requirement: str) -> None:
    """params.<name>, when given, must be a number with ok(x) (else: "is x, must <requirement>")."""
    key = f"params.{name}"
    if name in instance.params:
        x = array(instance, key, shape=())
        if not ok(x):
            raise InstanceError(key, f"is {show(x)}, must {requirement}")


MAX_COUNT = 10_000


def count_param(instance: Instance, name: str) -> None:
    """params.<name>, when given, must be an integer in [0, MAX_COUNT] (a number of steps)."""
    scalar_param(
        instance,
        name,
        lambda x: 0 <= x <= MAX_COUNT and x.denominator == 1,
        f"be an integer from 0 to {MAX_COUNT}",
    )


def flag_param(instance: Instance, name: str) -> None:
    """params.<name>, when given, must be an array of 0/1 flags."""
    key = f"params.{name}"
    if name in instance.params:
        for i, x in enumerate(flat(array(instance, key))):
            if x not in (0, 1):
                raise InstanceError(f"{key}[{i}]", f"is {show(x)}, a flag must be 0 or 1")
