"""Helpers for the tolerance scale expressions of the registry (spec.formula.Tolerance.scale).

A scale expression is evaluated with numpy as `np`, these helpers, the formula's float64 inputs
by argument name, and `expected` (the oracle value as float64). Keep helpers small and
documented: CONFORMANCE.md prints the expressions verbatim.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def kappa(gamma: Any) -> float:
    """1 / (1 - gamma), the effective horizon."""
    return 1.0 / (1.0 - float(gamma))


def amax(x: Any) -> float:
    """max |x|, or 1 where that is 0 (so a scale is never 0)."""
    m = float(np.max(np.abs(np.asarray(x, dtype=np.float64)))) if np.size(x) else 0.0
    return m if m > 0 else 1.0
