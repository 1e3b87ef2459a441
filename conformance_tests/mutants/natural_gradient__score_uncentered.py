"""One realistic bug: the categorical score taken as the one-hot e_x (the gradient of theta[x], the
unnormalized log-probability) without the softmax Jacobian's -p_theta term, and the score-function
gradient built from it: E[f(X) e_X] = p * f instead of p * (f - J)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_natural_gradient import _softmax
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dist.score_categorical", "dist.gradient_categorical")


def dist_score_categorical(theta: Array) -> Array:
    return np.eye(np.asarray(theta).size)


def dist_gradient_categorical(theta: Array, f: Array) -> Array:
    return _softmax(theta) * f
