"""Choosing formulas by id: glob patterns with exclusion, and "did you mean" for unknown ids.

A selection is a list of patterns, each possibly comma-separated: `'ppo.*'`, `'*,!soft.*'`,
`'mdp.v_pi_exact'`. A pattern starting with `!` removes what it matches from what the others
chose; a selection made only of exclusions starts from every formula.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable, Sequence

from rlspec.spec.formula import Formula


class SelectionError(ValueError):
    """A pattern matches no formula (the message names it and suggests near ids)."""


def split_patterns(patterns: Iterable[str]) -> list[str]:
    """`['a.*,!a.b', 'c.d']` -> `['a.*', '!a.b', 'c.d']` (blanks dropped)."""
    return [g.strip() for p in patterns for g in p.split(",") if g.strip()]


def near_ids(name: str, ids: Iterable[str], n: int = 3) -> list[str]:
    """The registered ids closest to `name` (difflib's ratio >= 0.75), best first."""
    return difflib.get_close_matches(name, list(ids), n=n, cutoff=0.75)


def did_you_mean(name: str, ids: Iterable[str]) -> str:
    """` (did you mean a, b?)` or the empty string."""
    close = near_ids(name, ids)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def select(everything: Sequence[Formula], patterns: Sequence[str] | None) -> list[Formula]:
    """The formulas of `everything` (in its order) chosen by the patterns; all when none given.
    SelectionError when a pattern (included or excluded) matches no formula."""
    globs = split_patterns(patterns or [])
    include = [g for g in globs if not g.startswith("!")]
    exclude = [g[1:].strip() for g in globs if g.startswith("!")]
    ids = [f.id for f in everything]
    unmatched = [g for g in include + exclude if not fnmatch.filter(ids, g)]
    if unmatched:
        hints = "".join(did_you_mean(g, ids) for g in unmatched if not _is_glob(g))
        raise SelectionError(f"{', '.join(unmatched)} matches no formula{hints} (see `rlspec list`)")
    chosen = [f for f in everything if not include or any(fnmatch.fnmatchcase(f.id, g) for g in include)]
    return [f for f in chosen if not any(fnmatch.fnmatchcase(f.id, g) for g in exclude)]


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")
