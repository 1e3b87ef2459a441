"""One realistic bug: the objective evaluated at the distribution's mode instead of averaged over
it, J = f(argmax_x p_theta(x)) and J = f(m) (the "deterministic evaluation" of a stochastic
policy, or f(E X) where E f(X) is meant: for the Gaussian the term sum_i H_ii sigma_i^2 is lost)."""

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

Array = Any
KILLS = ("dist.objective_categorical", "dist.objective_gaussian")


def dist_objective_categorical(theta: Array, f: Array) -> float:
    return float(np.asarray(f)[int(np.argmax(theta))])


def dist_objective_gaussian(mean: Array, log_std: Array, c: Array, b: Array, H: Array) -> float:
    return float(c + b @ mean + mean @ H @ mean)
