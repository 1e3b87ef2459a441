"""One realistic bug: the softmax NPG update in log space from log(pi.clamp(min=1e-8)), the floor put
on log-probabilities before exponentiating: exact unless some pi(a|s) < 1e-8, whose new probability
is then inflated."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.softmax_update",)


def npg_softmax_update(P: Any, R: Any, gamma: Any, theta: Any, eta: Any) -> Any:
    logits = np.log(np.maximum(_policy(theta), 1e-8))
    logits = logits + float(eta) * _advantage(P, R, gamma, theta) / (1.0 - float(gamma))
    return _policy(logits)
