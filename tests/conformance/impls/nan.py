"""Every function returns NaN in the right shape (the example's shape)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import numpy_impl
from tests.conformance.impls._every import define_all


def _make(f: Any) -> Any:
    def fn(*args: Any) -> Any:
        good = np.asarray(getattr(numpy_impl, f.adapter_name)(*args), dtype=np.float64)
        return np.full(good.shape, np.nan)

    return fn


define_all(globals(), _make)
