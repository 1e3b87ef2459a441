"""Validation helpers shared by the families: shapes, probability vectors, the discount and the
start distribution, positive params, the KL budget."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.instance import Instance, exact

Shape = tuple[int, ...]


def shape_of(value: Any, key: str) -> Shape:
    """The shape of a nested list; InstanceError if it is ragged."""
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


def array(instance: Instance, key: str, shape: Shape | None = None, ndim: int | None = None) -> Any:
    """Read `key` (top-level, or "params.x"), convert it to exact values, check its shape."""
    raw = instance.get(key)
    known = instance.checked.get(key)
    if known is not None and known[0] is raw:
        value, got = raw, known[1]
    else:
        value = exact(raw, key)
        got = shape_of(value, key)
    if shape is not None and got != shape:
        raise InstanceError(key, f"has shape {list(got)}, expected {list(shape)}")
    if ndim is not None and len(got) != ndim:
        raise InstanceError(key, f"has {len(got)} dimensions, expected {ndim}")
    _store(instance, key, value)
    instance.checked[key] = (value, got)
    return value


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
    """`mu` [states]: a probability vector, stored normalized."""
    mu = array(instance, "mu", shape=(states,))
    probability_vector(mu, "mu")
    instance.data["mu"] = normalized(mu)


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
