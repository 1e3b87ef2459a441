"""One realistic bug: k1 as mean(log r) = mean(logp_new - logp_old) instead of -log r (the sign of
`approx_kl = (logp - old_logp).mean()` in early PPO code): its expectation is -KL(pi_old || pi_new)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("kl.k1",)


def kl_k1(logp_new: Any, logp_old: Any) -> float:
    return float(np.mean(logp_new - logp_old))
