"""Every function raises."""

from __future__ import annotations

from typing import Any

from tests.conformance.impls._every import define_all


def _make(f: Any) -> Any:
    def fn(*args: Any) -> Any:
        raise RuntimeError(f"boom in {f.id}")

    return fn


define_all(globals(), _make)
