"""One realistic bug: the softmax NPG update with exp(eta A) instead of exp(eta A / (1 - gamma))
(the mirror-ascent form with the horizon factor folded into a step size that was not rescaled)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_npg import _advantage, _policy
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("npg.softmax_update",)


def npg_softmax_update(P: Any, R: Any, gamma: Any, theta: Any, eta: Any) -> Any:
    return _policy(np.asarray(theta, dtype=np.float64) + float(eta) * _advantage(P, R, gamma, theta))
