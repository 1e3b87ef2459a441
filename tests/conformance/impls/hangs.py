"""Every function hangs."""

from __future__ import annotations

import time
from typing import Any

from tests.conformance.impls._every import define_all


def _make(f: Any) -> Any:
    def fn(*args: Any) -> Any:
        time.sleep(3600)

    return fn


define_all(globals(), _make)
