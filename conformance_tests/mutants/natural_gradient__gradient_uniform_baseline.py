"""One realistic bug: the score-function gradient written p * (f - b) with b = mean_x f(x), the
plain average of f over the support (a uniform "baseline"), instead of p * (f - J) with J = sum_x
p(x) f(x): the centering comes from the -p term of the score e_x - p, so it is the expectation
under p whatever baseline is subtracted, and the uniform mean only agrees when p is uniform."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.np_natural_gradient import _softmax
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dist.gradient_categorical",)


def dist_gradient_categorical(theta: Array, f: Array) -> Array:
    return _softmax(theta) * (f - np.mean(f))
