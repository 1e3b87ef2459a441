"""What the per-section test modules (test_<section>.py) share: the formula ids of a section,
read from the registry, and one check per formula."""

from __future__ import annotations

from typing import Any

import pytest

MARKER_PREFIX = "rlspec_"


def section_marker_names() -> dict[str, str]:
    """Section key -> its pytest marker name (`rlspec_ppo`)."""
    from rlspec.conformance_tests.selection import loaded_sections

    return {s.key: MARKER_PREFIX + s.key for s in loaded_sections()}


def section_mark(section_key: str) -> Any:
    """The marker of a section's conformance tests (`pytestmark = section_mark("ppo")`)."""
    return getattr(pytest.mark, MARKER_PREFIX + section_key)


def formula_ids(section_key: str) -> list[str]:
    from rlspec.conformance_tests.selection import loaded_sections

    for section in loaded_sections():
        if section.key == section_key:
            return [f.id for f in section.formulas]
    return []


def check_formula(session: Any, formula_id: str) -> None:
    from rlspec.conformance_tests.expectations import apply_xfails
    from rlspec.conformance_tests.reports import failure_text
    from rlspec.conformance_tests.selection import registered

    result = session.check(registered(formula_id))
    apply_xfails([result], session.xfails)
    if result.status in ("not_implemented", "skipped"):
        pytest.skip(result.message)
    if result.status == "known_deviation":
        pytest.xfail(failure_text(result))
    if result.status != "pass":
        pytest.fail(failure_text(result), pytrace=False)
