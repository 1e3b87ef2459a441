"""The conformance run's public names in one place (kept for existing imports). The work is
split by job:

- selection.py   the registry as the suite sees it; `--formulas` globs with `!` exclusion
- engine.py      one formula's examples: draw, compare, shrink (its state is documented there)
- session.py     one implementation under test: worker, expected-value source, options
- results.py     FormulaResult, Failure and the exit status
- conform_cli.py `rlspec conform`: arguments, progress lines, reports
"""

from __future__ import annotations

from rlspec.conformance_tests.compare import meanings
from rlspec.conformance_tests.conform_cli import build_parser, main, run
from rlspec.conformance_tests.engine import FormulaRun, instance_inputs, meanings_order
from rlspec.conformance_tests.results import Failure, FormulaResult, exit_status
from rlspec.conformance_tests.selection import loaded_sections, registered, registry, section_keys, select
from rlspec.conformance_tests.session import (
    DEFAULT_EXAMPLES,
    DEFAULT_OUT,
    DEFAULT_SEED,
    DEFAULT_TIMEOUT,
    SHRINK_BUDGET,
    Session,
)

__all__ = [
    "DEFAULT_EXAMPLES",
    "DEFAULT_OUT",
    "DEFAULT_SEED",
    "DEFAULT_TIMEOUT",
    "SHRINK_BUDGET",
    "Failure",
    "FormulaResult",
    "FormulaRun",
    "Session",
    "build_parser",
    "exit_status",
    "instance_inputs",
    "loaded_sections",
    "main",
    "meanings",
    "meanings_order",
    "registered",
    "registry",
    "run",
    "section_keys",
    "select",
]
