"""One realistic bug: per-state KL written sum p log(p / (q + 1e-8)), an epsilon guard against q = 0:
the KL is understated wherever some q(a|s) is small against 1e-8, the largest error at the states
the max picks."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _policy
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("trpo.max_kl",)


def trpo_max_kl(theta: Any, theta_new: Any) -> float:
    p, q = _policy(theta), _policy(theta_new)
    return float(np.max(np.sum(p * np.log(np.maximum(p, 1e-300) / (q + 1e-8)), axis=1)))
