"""Hypothesis profiles for rlspec's own tests: deterministic, no deadline (mpmath is slow)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "thorough", parent=settings.get_profile("default"), max_examples=200, derandomize=False
)
settings.load_profile(os.environ.get("RLSPEC_HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _private_oracle_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """`rlspec conform` keeps oracle answers in ~/.cache/rlspec (oracle/cache.py): tests use a
    folder of their own session instead of the user's."""
    if "RLSPEC_CACHE_DIR" not in os.environ:
        monkeypatch.setenv("RLSPEC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "oracle-cache"))
