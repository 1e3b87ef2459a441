"""Hypothesis strategies for the conformance suite: instances of every registered family.

A drawn instance is (seed, options) fed to `oracle.sampling.sample_instance`: the options
come from the family module's `SIZE_OPTIONS` (name -> (min, max), shrinking to min) and
`CHOICE_OPTIONS` (name -> choices, shrinking to the first), so a family added later is covered
without touching this module. Every number is a binary64 float by construction, and the oracle
evaluates exactly those numbers.

Hard corners. A family module declares `CORNERS` (name -> generate() options, e.g. a
near-deterministic policy, gamma = 0.999, mu = 0 on states the policy reaches) and
`CORNER_SIZES` (the smallest sizes of a corner instance: several states and actions).
`corner_examples` builds one instance per corner, deterministic in the run's seed; the suite
checks them first (hypothesis explicit examples), then hypothesis draws the remaining examples
from the free mix, where sizes of 1 (one state, one action) are a small share (DEGENERATE_SHARE).
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers as hypothesis_providers
from hypothesis.internal.constants_ast import Constants

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.instance import family_module
from rlspec.oracle.sampling import PARAM_END, sample_instance
from rlspec.spec.formula import Formula

SEED_MAX = 2**32 - 1
# In the free mix, one draw in DEGENERATE_SHARE lets every size option go down to its minimum
# (one state, one action, a batch of one); the others draw sizes >= 2.
DEGENERATE_SHARE = 4

# Options for a family module that declares none (then only the seed varies).
FALLBACK_OPTIONS: dict[str, tuple[dict[str, tuple[int, int]], dict[str, tuple[Any, ...]]]] = {}


@contextlib.contextmanager
def draws_from_seed_only() -> Iterator[None]:
    """While the body runs, hypothesis draws no "local constants": by default it mixes into its
    integer and float draws constants read from the source of every imported module outside
    site-packages, so the instances a seed gives depended on which rlspec modules happened to be
    imported (a run that computes an answer imports more of the oracle than one that reads it
    from oracle/cache.py, so a warm run drew other instances than the cold one) and on whether
    rlspec is an editable install. Hypothesis's own fixed constants (0, 1, the ends of a range,
    ...) stay. This replaces a function of hypothesis's internals; on a hypothesis that no
    longer has it, nothing changes."""
    cache = getattr(getattr(hypothesis_providers, "CONSTANTS_CACHE", None), "cache", None)
    original = getattr(hypothesis_providers, "_get_local_constants", None)
    if original is None or cache is None:
        yield
        return
    empty = Constants()
    hypothesis_providers._get_local_constants = lambda: empty
    cache.clear()  # pools already filtered with the local constants
    try:
        yield
    finally:
        hypothesis_providers._get_local_constants = original
        cache.clear()


@dataclass(frozen=True)
class Draw:
    """What hypothesis drew: the family, a seed and the family's options; `raw` is the instance."""

    family: str
    seed: int
    options: dict[str, Any]
    raw: dict[str, Any]
    corner: str | None = None  # the family's hard corner this instance was built for

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """What hypothesis prints for an example: the recipe, not the instance (hypothesis
        formats every explicit example; printing whole instances cost 20% of a cached run)."""
        recipe = f"seed={self.seed}, options={self.options!r}, corner={self.corner!r}"
        printer.text(f"Draw({self.family!r}, {recipe})")


def family_options(family: str | ModuleType) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[Any, ...]]]:
    module = family_module(family) if isinstance(family, str) else family
    name = module.__name__.rsplit(".", 1)[-1]
    fallback_sizes, fallback_choices = FALLBACK_OPTIONS.get(name, ({}, {}))
    sizes: dict[str, tuple[int, int]] = dict(getattr(module, "SIZE_OPTIONS", fallback_sizes))
    choices: dict[str, tuple[Any, ...]] = dict(getattr(module, "CHOICE_OPTIONS", fallback_choices))
    return sizes, choices


def family_corners(family: str | ModuleType) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """The family's hard corners (name -> generate() options) and the corner instances' sizes."""
    module = family_module(family) if isinstance(family, str) else family
    corners: dict[str, dict[str, Any]] = dict(getattr(module, "CORNERS", {}))
    corner_sizes: dict[str, int] = dict(getattr(module, "CORNER_SIZES", {}))
    return corners, corner_sizes


def stable_sizes(family: str, run_seed: int) -> dict[str, tuple[int, ...]]:
    """Per size option of the family, the few sizes one run draws from under --stable-shapes:
    its smallest, its largest and one in between chosen by the run's seed (so a jit-compiling
    library compiles a handful of shapes per formula; other seeds cover other middles)."""
    sizes, _ = family_options(family)
    out: dict[str, tuple[int, ...]] = {}
    for name, (lo, hi) in sizes.items():
        middle = lo + zlib.crc32(f"{run_seed}:{family}:{name}".encode()) % (hi - lo + 1)
        out[name] = tuple(sorted({lo, middle, hi}))
    return out


@st.composite
def options_strategy(
    draw: st.DrawFn, family: str, fixed_sizes: Mapping[str, tuple[int, ...]] | None = None
) -> dict[str, Any]:
    """Free-mix options: the size options the family's CORNER_SIZES names are >= 2 except in one
    draw of DEGENERATE_SHARE (from `fixed_sizes` when given, see stable_sizes); choice options
    (and the domain ends, when the family has a corner for them) sampled uniformly."""
    sizes, choices = family_options(family)
    corners, corner_sizes = family_corners(family)
    # degenerate first: hypothesis shrinks towards it (a failure shrinks to one state), and its
    # first example, the simplest, is the one-state, one-action instance
    degenerate = draw(st.sampled_from((True,) + (False,) * (DEGENERATE_SHARE - 1)))
    options: dict[str, Any] = {}
    for name, (lo, hi) in sizes.items():
        low = lo if degenerate or lo != 1 or name not in corner_sizes else min(2, hi)
        allowed = [v for v in (fixed_sizes or {}).get(name, ()) if v >= low]
        options[name] = draw(st.sampled_from(allowed) if allowed else st.integers(low, hi))
    for name, values in choices.items():
        options[name] = draw(st.sampled_from(tuple(values)))
    if any(PARAM_END in c for c in corners.values()):
        end = draw(st.sampled_from((None, None, None, "low", "high")))
        if end is not None:
            options[PARAM_END] = end
    return options


def corner_examples(f: Formula, run_seed: int, limit: int | None = None) -> list[Draw]:
    """One instance per hard corner of f's family (at most `limit`, rotating with the run seed
    when there are more corners than that), each of CORNER_SIZES with the corner's options and
    a seed derived from the run's seed, the formula and the corner. A corner whose options do
    not fit this formula is left out."""
    corners, corner_sizes = family_corners(f.family)
    names = list(corners)
    if limit is not None and limit < len(names):
        start = run_seed % len(names)
        names = (names[start:] + names[:start])[:limit]
    sizes, _ = family_options(f.family)
    out = []
    for name in names:
        options: dict[str, Any] = {n: corner_sizes.get(n, lo) for n, (lo, _) in sizes.items()}
        options.update(corners[name])
        seed = zlib.crc32(f"{run_seed}:{f.id}:{name}".encode())
        built = build(f.family, seed, options, (f,))
        if built is not None:
            out.append(Draw(f.family, seed, built[1], built[0], corner=name))
    return out


def build(
    family: str, seed: int, options: Mapping[str, Any], formulas: Iterable[Formula]
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(instance, options used) from sample_instance, or None when the options do not fit
    together even after each size option (last first) is reset to its minimum in turn, so a
    combination like states=1, unreachable=2 becomes a valid neighbour, not a rejection."""
    sizes, _ = family_options(family)
    trial = dict(options)
    formulas = tuple(formulas)
    for name in [None, *reversed(list(sizes))]:
        if name is not None:
            trial[name] = sizes[name][0]
        try:
            return sample_instance(family, seed, trial, formulas), trial
        except (ValueError, InstanceError):
            continue
    return None


@st.composite
def draws(
    draw: st.DrawFn,
    family: str,
    formulas: tuple[Formula, ...],
    fixed_sizes: Mapping[str, tuple[int, ...]] | None = None,
    corner: str | None = None,
) -> Draw:
    """An instance of `family` with every param the `formulas` need; with `corner`, the
    corner's options are forced (the draw is that corner's, at any size)."""
    options = draw(options_strategy(family, fixed_sizes))
    if corner is not None:
        options.update(family_corners(family)[0][corner])
    seed = draw(st.integers(0, SEED_MAX))
    built = build(family, seed, options, formulas)
    assume(built is not None)
    assert built is not None
    return Draw(family, seed, built[1], built[0], corner=corner)


def formula_draws(
    f: Formula, stable_seed: int | None = None, corner: str | None = None
) -> st.SearchStrategy[Draw]:
    """f's instances; with `stable_seed` (a run's seed under --stable-shapes), sizes from
    stable_sizes(f.family, stable_seed); with `corner`, only that hard corner's instances."""
    fixed = None if stable_seed is None else stable_sizes(f.family, stable_seed)
    return draws(f.family, (f,), fixed, corner)
