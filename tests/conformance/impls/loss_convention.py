"""The example, with every batch-form formula that declares a "loss" or "sum" convention written
that way (a library's loss, summed over the batch), to check that conventions are recognized."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests import conventions
from rlspec.conformance_tests.examples import numpy_impl
from tests.conformance.impls._every import define_all


def _make(f: Any) -> Any:
    example = getattr(numpy_impl, f.adapter_name, None)
    chosen = [c for c in f.conventions if c.name != "lecture"]

    def fn(*args: Any) -> Any:
        assert example is not None
        value = np.asarray(example(*args), dtype=np.float64)
        if not chosen:
            return value
        inputs = {a.name: x for a, x in zip(f.args, args, strict=True)}
        return getattr(conventions, chosen[0].transform)(value, inputs)

    return fn


define_all(globals(), _make)
