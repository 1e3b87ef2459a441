"""The registry as the suite sees it: sections and formulas in lecture order, lookups by id, and
selection by glob with exclusion (`--formulas 'ppo.*'`, `--formulas '*,!soft.*'`)."""

from __future__ import annotations

from collections.abc import Sequence

from rlspec import spec
from rlspec.oracle.errors import UsageError
from rlspec.spec.formula import Formula, Section
from rlspec.spec.selection import SelectionError, did_you_mean
from rlspec.spec.selection import select as select_from


def loaded_sections() -> list[Section]:
    """The registry's sections, in lecture order."""
    return list(spec.sections())


def registry() -> list[Formula]:
    """Every registered formula in lecture order (the same list as spec.formulas())."""
    return [f for s in loaded_sections() for f in s.formulas]


def registered(formula_id: str) -> Formula:
    """The formula with this id; UsageError (with near ids) when there is none."""
    for f in registry():
        if f.id == formula_id:
            return f
    hint = did_you_mean(formula_id, (f.id for f in registry()))
    raise UsageError(f"unknown formula {formula_id!r}{hint} (see `rlspec list`)")


def section_keys() -> dict[str, str]:
    """Formula id -> the key of its section."""
    return {f.id: s.key for s in loaded_sections() for f in s.formulas}


def select(patterns: Sequence[str] | None, option: str = "--formulas") -> list[Formula]:
    """The registered formulas chosen by the glob patterns (comma-separated, `!` excludes; all
    when none given). A pattern matching nothing is a usage error naming `option`."""
    try:
        return select_from(registry(), patterns)
    except SelectionError as exc:
        raise UsageError(f"{option}: {exc}") from None
