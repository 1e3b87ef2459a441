"""One realistic bug: the entropy -sum p log(p + 1e-10), an epsilon guard inside the log: off by about
1e-10 per action everywhere, more where p is tiny."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("entropy.h",)


def entropy_h(theta: Any) -> Any:
    z = np.exp(theta - np.max(theta, axis=1, keepdims=True))
    p = z / np.sum(z, axis=1, keepdims=True)
    return -np.sum(p * np.log(p + 1e-10), axis=1)
