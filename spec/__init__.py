"""The formula registry: the single source of ids, signatures, shapes and tolerances.

Each lecture section is a module in `spec.sections` defining `SECTION` (a `spec.formula.Section`).
`rlspec list`, CONFORMANCE.md, spec/ERRATA.md and the suite's parametrization are generated
from what is loaded here.
"""

from __future__ import annotations

import importlib
from functools import cache

import rlspec.spec.sections as _section_modules  # bound first: `def sections` below must win the name
from rlspec.spec.formula import Arg, Convention, EquationRow, Erratum, Formula, Section, Tolerance

__all__ = [
    "SECTION_KEYS",
    "Arg",
    "Convention",
    "EquationRow",
    "Erratum",
    "Formula",
    "Section",
    "Tolerance",
    "formula",
    "formulas",
    "sections",
]

SPEC_VERSION = "1"

# In lecture order, then the sections beyond the lecture (spec.lecture_map.BEYOND_LECTURE).
# A section whose module does not exist yet is "pending" in the lecture map.
SECTION_KEYS: tuple[str, ...] = (
    "natural_gradient",
    "mdp",
    "npg",
    "trpo",
    "ppo",
    "dpg",
    "entropy",
    "sac",
    "blocks",
)


@cache
def sections() -> tuple[Section, ...]:
    loaded = []
    for key in SECTION_KEYS:
        name = f"{_section_modules.__name__}.{key}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        section = module.SECTION
        if not isinstance(section, Section) or section.key != key:
            raise TypeError(f"{name}.SECTION must be a Section with key {key!r}")
        loaded.append(section)
    return tuple(loaded)


@cache
def _by_id() -> dict[str, Formula]:
    table: dict[str, Formula] = {}
    for section in sections():
        for f in section.formulas:
            if f.id in table:
                raise ValueError(f"formula id {f.id} is registered twice")
            table[f.id] = f
    return table


def formulas() -> tuple[Formula, ...]:
    """Every registered formula, in lecture order."""
    return tuple(_by_id().values())


def formula(formula_id: str) -> Formula:
    """The formula with this id; KeyError with the id if there is none."""
    try:
        return _by_id()[formula_id]
    except KeyError:
        raise KeyError(formula_id) from None
