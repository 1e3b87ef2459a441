"""One realistic bug: k3 with the ratio inverted, r = pi_old / pi_new (logratio = old - new, as
when the arguments of the log-ratio are swapped): no longer an unbiased estimate of
KL(pi_old || pi_new) under samples of pi_old."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("kl.k3",)


def kl_k3(logp_new: Any, logp_old: Any) -> float:
    log_ratio = logp_old - logp_new
    return float(np.mean(np.expm1(log_ratio) - log_ratio))
