"""What a failure looks like: short diagnoses attached to a non-conforming result.

Each check looks at expected vs got (float64 arrays, the formula's float64 inputs by argument
name, the absolute tolerance `limit`) and returns one sentence, or None when the pattern is
absent. The checks only describe the numbers; they never change a verdict.

- float32:      got is exactly float32-representable, or every error is a few float32 ulps
- sign:         got = -expected wherever the two differ
- ratio:        got / expected is one constant, named when it is a recognizable factor
                (gamma, 1/(1-gamma), 2, 1/2, |A|, the batch size N, ln 2, ...)
- transposed / reshaped / permuted: the right numbers in the wrong layout
- corner:       only instances with one hard corner fail
- arguments:    the adapter's parameter names differ from the registry's (arguments are passed
                by position, so a different order means swapped inputs)
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib.util
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rlspec.spec.formula import Formula

EPS32 = 2.0**-23
FLOAT32_ULPS = 64.0  # errors of at most this many float32 ulps are "float32 rounding"
RATIO_MATCH = 1e-7  # relative distance between a fitted ratio and a named factor
SIGNIFICANT = 1e-3  # entries smaller than this share of max |expected| do not fit a ratio
DIMENSION_NAMES = {"A": "|A|", "S": "|S|", "N": "the batch size N"}


def value_diagnoses(
    f: Formula, inputs: Mapping[str, Any], expected: np.ndarray, got: np.ndarray, limit: float
) -> list[str]:
    """Every pattern found in a value failure (same shapes), most specific first."""
    checks = (
        sign_flip(expected, got, limit),
        constant_ratio(f, inputs, expected, got, limit),
        layout(f, inputs, expected, got, limit),
        float32_rounding(expected, got),
    )
    return [c for c in checks if c is not None]


def shape_diagnoses(
    f: Formula, inputs: Mapping[str, Any], expected: np.ndarray, got: np.ndarray, limit: float
) -> list[str]:
    """A shape failure whose numbers are right in another layout."""
    found = layout(f, inputs, expected, got, limit)
    return [found] if found is not None else []


def _close(a: np.ndarray, b: np.ndarray, limit: float) -> bool:
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= limit))


def float32_rounding(expected: np.ndarray, got: np.ndarray) -> str | None:
    exp, g = expected.astype(np.float64).ravel(), got.astype(np.float64).ravel()
    wrong = g != exp
    if not np.any(wrong):
        return None
    representable = g.astype(np.float32).astype(np.float64) == g
    informative = wrong & (exp.astype(np.float32).astype(np.float64) != exp)
    if np.all(representable) and np.any(informative):
        return (
            "float32: every returned value is exactly representable in float32 "
            "(the output, or its last step, was computed in single precision)"
        )
    floor = SIGNIFICANT * float(np.max(np.abs(exp)))
    if floor == 0:
        return None
    size = np.maximum(np.abs(exp), floor)
    ulps = np.abs(g - exp) / (size * EPS32)
    worst = float(np.max(ulps))
    signs = np.sign(g - exp)[wrong]
    scattered = bool(np.any(signs > 0) and np.any(signs < 0))  # rounding errs both ways
    if scattered and 0.25 <= worst <= FLOAT32_ULPS and not _one_ratio(exp, g):
        relative = float(np.max(np.abs(g - exp) / size))
        return (
            f"float32: the errors sit at up to {worst:.2g} float32 ulps ({relative:.1e} relative), "
            "the pattern of single-precision arithmetic in some intermediate"
        )
    return None


def sign_flip(expected: np.ndarray, got: np.ndarray, limit: float) -> str | None:
    wrong = np.abs(got - expected) > limit
    if not np.any(wrong) or not np.all(np.abs(got + expected)[wrong] <= limit):
        return None
    if np.all(np.abs(got + expected) <= limit):
        return "sign flip: got = -expected (a loss for an objective, or a subtraction reversed)"
    where = [list(int(i) for i in ix) for ix in np.argwhere(wrong)[:5]] if got.ndim else []
    return f"sign flip on {int(np.sum(wrong))} of {got.size} entries (e.g. at {where}): got = -expected there"


def _one_ratio(expected: np.ndarray, got: np.ndarray) -> bool:
    """A genuine scaling: got/expected the same on >= 2 entries, far from 1 compared to its spread."""
    fit = _fit_ratio(expected, got)
    return fit is not None and fit[2] >= 2 and abs(fit[0] - 1.0) > 100 * fit[1]


def _fit_ratio(expected: np.ndarray, got: np.ndarray) -> tuple[float, float, int] | None:
    """(median got/expected, its largest deviation, number of entries) over significant entries."""
    exp, g = expected.ravel(), got.ravel()
    big = np.abs(exp) > SIGNIFICANT * float(np.max(np.abs(exp), initial=0.0))
    if not np.any(big):
        return None
    ratios = g[big] / exp[big]
    r = float(np.median(ratios))
    return r, float(np.max(np.abs(ratios - r))), int(np.sum(big))


def constant_ratio(
    f: Formula, inputs: Mapping[str, Any], expected: np.ndarray, got: np.ndarray, limit: float
) -> str | None:
    fit = _fit_ratio(expected, got)
    if fit is None or abs(fit[0] - 1.0) <= 100 * fit[1]:
        return None
    r, _, count = fit
    if r == 0 or abs(r - 1.0) < 1e-9 or abs(r + 1.0) < RATIO_MATCH:
        return None  # no scaling, or a sign flip (reported by sign_flip)
    if not _close(r * expected, got, max(limit, 1e-9 * float(np.max(np.abs(got))))):
        return None
    names = [name for name, value in factors(f, inputs) if abs(r - value) <= RATIO_MATCH * abs(value)]
    unique = list(dict.fromkeys(names))
    where = f"on every entry ({count} significant)" if count > 1 else "on this instance"
    if unique:
        named = " or ".join(unique[:4])
        return f"constant ratio: got / expected = {r:.8g} {where}: a factor {named} too many or missing"
    if count > 1:
        return f"constant ratio: got / expected = {r:.8g} {where}: a missing or extra constant factor"
    return None


def factors(f: Formula, inputs: Mapping[str, Any]) -> list[tuple[str, float]]:
    """Recognizable factors: scalar inputs x as x, 1/x, 1-x, 1/(1-x), ..., the sizes, then
    constants (the formula's own names first when several coincide)."""
    out: list[tuple[str, float]] = []
    for arg in f.args:
        value = inputs.get(arg.name)
        if value is None:
            continue
        array = np.asarray(value, dtype=np.float64)
        if arg.shape == () and arg.dtype == "float64":
            out += _scalar_factors(arg.name, float(array))
        for symbol, size in zip(arg.shape, array.shape, strict=False):
            label = DIMENSION_NAMES.get(symbol, symbol)
            if size > 1:
                out += [(f"{label} = {size}", float(size)), (f"1/{label} = 1/{size}", 1.0 / size)]
    out += [("2", 2.0), ("1/2", 0.5), ("ln 2", math.log(2.0)), ("1/ln 2", 1 / math.log(2.0))]
    return [(name, value) for name, value in out if math.isfinite(value) and value != 0]


def _scalar_factors(name: str, x: float) -> list[tuple[str, float]]:
    out = [(f"{name} = {x:.6g}", x)]
    if x != 0:
        out.append((f"1/{name}", 1.0 / x))
    if x != 1:
        out += [(f"1-{name}", 1.0 - x), (f"1/(1-{name})", 1.0 / (1.0 - x))]
    if x > 0:
        out += [(f"sqrt({name})", math.sqrt(x)), (f"1/sqrt({name})", 1.0 / math.sqrt(x))]
    return out


def layout(
    f: Formula, inputs: Mapping[str, Any], expected: np.ndarray, got: np.ndarray, limit: float
) -> str | None:
    """The right numbers transposed, reshaped or flattened in the other order."""
    if got.size != expected.size or got.size < 2:
        return None
    shapes = f"returned {list(got.shape)}, expected {list(expected.shape)}"
    if got.ndim == 2 and _close(got.T, expected, limit) and not _close(got, expected, limit):
        return f"transposed: got.T matches ({shapes})"
    if got.shape != expected.shape:
        if _close(got.reshape(expected.shape), expected, limit):
            return f"reshaped: the right values in row-major order in the wrong shape ({shapes})"
        if _close(got.reshape(expected.shape, order="F"), expected, limit):
            return f"reshaped: the right values in column-major order in the wrong shape ({shapes})"
    for rows, cols in _flattened_pairs(f, inputs):
        perm = np.arange(rows * cols).reshape(rows, cols).T.ravel()
        if expected.shape[0] == rows * cols and _close(
            _permute(got.reshape(expected.shape), perm), expected, limit
        ):
            return (
                f"flattened column-major: indexing ({rows} x {cols}) as a * {rows} + s instead of "
                f"s * {cols} + a matches"
            )
    return None


def _flattened_pairs(f: Formula, inputs: Mapping[str, Any]) -> set[tuple[int, int]]:
    pairs = set()
    for arg in f.args:
        shape = np.shape(inputs.get(arg.name, ()))
        if len(shape) >= 2 and shape[-2] > 1 and shape[-1] > 1:
            pairs.add((int(shape[-2]), int(shape[-1])))
    return pairs


def _permute(value: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """Reindex every axis of length len(perm) by perm (row-major <-> column-major flattening)."""
    out = value
    for axis, size in enumerate(value.shape):
        if size == len(perm):
            out = np.take(out, np.argsort(perm), axis=axis)
    return out


def corner_pattern(failing: Sequence[Iterable[str]], passing: Sequence[Iterable[str]]) -> str | None:
    """A corner every failing instance has and no passing instance has."""
    if not failing:
        return None
    sets = [set(c) for c in failing]
    common = set.intersection(*sets)
    seen_passing = set().union(*(set(c) for c in passing)) if passing else set()
    only = sorted(common - seen_passing)
    if not only or not passing:
        return None
    return (
        f"only on corner {' / '.join(only)}: all {len(failing)} failing instance(s) have it, "
        f"none of the {len(passing)} conforming ones"
    )


@functools.lru_cache(maxsize=8)
def declared_parameters(impl: str) -> dict[str, tuple[str, ...]]:
    """The parameter names of the functions an implementation file defines at module level, read
    from its source with ast: the suite's process never imports (runs) the implementation.
    Functions it only imports from elsewhere are not seen ({} when the source is not found)."""
    path = Path(impl) if impl.endswith(".py") else None
    if path is None and "." not in impl:
        with contextlib.suppress(ImportError, ValueError):
            spec = importlib.util.find_spec(impl)  # a top-level name: located, not executed
            path = Path(spec.origin) if spec is not None and spec.origin else None
    try:
        tree = ast.parse(path.read_text(encoding="utf-8")) if path is not None else None
    except (OSError, SyntaxError, ValueError):
        tree = None
    if tree is None:
        return {}
    return {
        node.name: tuple(a.arg for a in (*node.args.posonlyargs, *node.args.args))
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def argument_names(f: Formula, params: Sequence[str] | None) -> str | None:
    """The adapter's parameter names against the registry's (arguments go by position)."""
    if params is None:
        return None
    wanted = [a.name for a in f.args]
    given = list(params)
    if given == wanted:
        return None
    if sorted(given) == sorted(wanted):
        moved = [f"{w!r} receives {g!r}" for w, g in zip(given, wanted, strict=True) if w != g]
        return (
            f"arguments in another order: the function takes ({', '.join(given)}), the registry "
            f"passes ({', '.join(wanted)}) by position, so {'; '.join(moved)}"
        )
    renamed = [f"{g!r} for {w!r}" for g, w in zip(given, wanted, strict=False) if g != w]
    extra = (
        f"; it takes {len(given)} parameters, the registry passes {len(wanted)}"
        if len(given) != len(wanted)
        else ""
    )
    return (
        f"argument names differ from the registry's ({', '.join(wanted)}): "
        f"{', '.join(renamed) if renamed else 'none renamed'}{extra}"
    )
