"""Hypothesis strategies for the conformance suite: instances of every registered family.

A drawn instance is (seed, options) fed to `oracle.sampling.sample_instance`: the options
come from the family module's `SIZE_OPTIONS` (name -> (min, max), shrinking to min) and
`CHOICE_OPTIONS` (name -> choices, shrinking to the first), so a family added later is covered
without touching this module. Every number is a binary64 float by construction, and the oracle
evaluates exactly those numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.instance import family_module
from rlspec.oracle.sampling import sample_instance
from rlspec.spec.formula import Formula

SEED_MAX = 2**32 - 1

# Options for a family module that declares none (then only the seed varies).
FALLBACK_OPTIONS: dict[str, tuple[dict[str, tuple[int, int]], dict[str, tuple[Any, ...]]]] = {}


@dataclass(frozen=True)
class Draw:
    """What hypothesis drew: the family, a seed and the family's options; `raw` is the instance."""

    family: str
    seed: int
    options: dict[str, Any]
    raw: dict[str, Any]


def family_options(family: str | ModuleType) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[Any, ...]]]:
    module = family_module(family) if isinstance(family, str) else family
    name = module.__name__.rsplit(".", 1)[-1]
    fallback_sizes, fallback_choices = FALLBACK_OPTIONS.get(name, ({}, {}))
    sizes: dict[str, tuple[int, int]] = dict(getattr(module, "SIZE_OPTIONS", fallback_sizes))
    choices: dict[str, tuple[Any, ...]] = dict(getattr(module, "CHOICE_OPTIONS", fallback_choices))
    return sizes, choices


def options_strategy(family: str) -> st.SearchStrategy[dict[str, Any]]:
    sizes, choices = family_options(family)
    fields: dict[str, st.SearchStrategy[Any]] = {n: st.integers(lo, hi) for n, (lo, hi) in sizes.items()}
    fields.update({n: st.sampled_from(tuple(values)) for n, values in choices.items()})
    return st.fixed_dictionaries(fields)


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
def draws(draw: st.DrawFn, family: str, formulas: tuple[Formula, ...]) -> Draw:
    """An instance of `family` with every param the `formulas` need."""
    options = draw(options_strategy(family))
    seed = draw(st.integers(0, SEED_MAX))
    built = build(family, seed, options, formulas)
    assume(built is not None)
    assert built is not None
    return Draw(family, seed, built[1], built[0])


def formula_draws(f: Formula) -> st.SearchStrategy[Draw]:
    return draws(f.family, (f,))
