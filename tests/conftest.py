"""Hypothesis profiles for rlspec's own tests: deterministic, no deadline (mpmath is slow)."""

from __future__ import annotations

import os

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
