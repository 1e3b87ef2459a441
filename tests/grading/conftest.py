"""Every grading test runs with the wall up (bubblewrap). Where it cannot be built, each test
fails with one line saying why; none skips (CI installs bubblewrap: .ci/run)."""

from __future__ import annotations

import pytest

from rlspec.conformance_tests.grading import wall


@pytest.fixture(autouse=True, scope="session")
def the_wall() -> None:
    try:
        wall.probe()
    except wall.WallError as exc:
        pytest.fail(f"the grading sandbox cannot be built on this machine: {exc}", pytrace=False)
