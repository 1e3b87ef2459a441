"""Conformance of the section beyond the lecture, 'blocks': a test per registered formula."""

from __future__ import annotations

from typing import Any

import pytest

from rlspec.conformance_tests.plugin import rlspec_session
from rlspec.conformance_tests.pytest_support import check_formula, formula_ids, section_mark

__all__ = ["rlspec_session"]

pytestmark = section_mark("blocks")


@pytest.mark.parametrize("formula_id", formula_ids("blocks"))
def test_formula(rlspec_session: Any, formula_id: str) -> None:
    check_formula(rlspec_session, formula_id)
