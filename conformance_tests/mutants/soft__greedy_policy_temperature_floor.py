"""One realistic bug: softmax(Q / lambda) with the temperature clamped at 1e-4 from below (the
min_alpha clamp of some SAC losses, applied to lambda): exact for lambda >= 1e-4, too soft below."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("soft.greedy_policy",)
VECTORS_MISS = "no stored lambda is below 1e-4"
# shows only where lambda < 1e-4 and Q's differences are on lambda's scale (otherwise both
# policies are one-hot): the params_low corner draws exactly that (Q's domain real_at:lam)


def soft_greedy_policy(Q: Any, lam: Any) -> Any:
    t = max(float(lam), 1e-4)
    w = np.exp((Q - np.max(Q, axis=1, keepdims=True)) / t)
    return w / np.sum(w, axis=1, keepdims=True)
