"""Accepted library conventions for batch-form formulas (spec.formula.Convention.transform).

Library code computes losses rather than objectives and means rather than expectations; those
differences are not bugs. A convention's transform maps the lecture's value (the oracle value,
as float64) to the value a library following that convention returns, given the formula's
float64 inputs by argument name:

    transform(expected: np.ndarray, inputs: Mapping[str, np.ndarray]) -> np.ndarray

The suite accepts an implementation on an instance when it matches the lecture's value or any
declared convention's value within the tolerance, and reports which one matched (consistently
over every example). Transforms must be exact or exactly rounded scalings (sign flips, powers
of two, multiplication by the batch size), so they add no error to the comparison.
Section engineers append transforms here.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

Inputs = Mapping[str, np.ndarray]


def batch_size(inputs: Inputs) -> int:
    """The batch size N: the length of the first axis of the first non-scalar input."""
    for value in inputs.values():
        array = np.asarray(value)
        if array.ndim >= 1:
            return int(array.shape[0])
    return 1


def lecture(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """The lecture's own value (objective sign, expectation as a mean)."""
    return expected


def loss(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """A loss to minimize: the objective with its sign flipped."""
    return -expected


def sum_reduction(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """A sum over the batch instead of the mean: N times the value."""
    return expected * batch_size(inputs)


def loss_sum_reduction(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """A loss (sign flipped) summed over the batch."""
    return -expected * batch_size(inputs)


def half(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """With a factor 1/2 (e.g. a squared-error critic loss written 1/2 (Q - y)^2)."""
    return expected * 0.5


def double(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """Without the lecture's factor 1/2 (e.g. a critic loss written (Q - y)^2)."""
    return expected * 2.0


def half_sum_reduction(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """With a factor 1/2 and summed over the batch."""
    return expected * 0.5 * batch_size(inputs)


def double_sum_reduction(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """Without the factor 1/2 and summed over the batch."""
    return expected * 2.0 * batch_size(inputs)


# ---- SAC (spec/sections/sac.py) ----------------------------------------------------------------


def sac_without_scale_jacobian(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """The tanh-Gaussian log-density without the action scale's Jacobian: + sum_j log(scale_j)."""
    return expected + float(np.sum(np.log(np.asarray(inputs["scale"], dtype=np.float64))))


def sac_log_alpha_loss(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """The temperature loss written in log alpha, -log_alpha * mean(logp + target_entropy):
    the lecture's -alpha * mean(...) times log_alpha / alpha (a few roundings, not exact)."""
    log_alpha = float(inputs["log_alpha"])
    return expected * (log_alpha * float(np.exp(-log_alpha)))


def sac_log_alpha_loss_sum(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """The log-alpha temperature loss summed over the batch."""
    return sac_log_alpha_loss(expected, inputs) * batch_size(inputs)


def sac_gradient_in_alpha(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """d/d alpha instead of d/d log alpha: divided by alpha = exp(log_alpha)."""
    return expected * float(np.exp(-float(inputs["log_alpha"])))


def sac_gradient_in_alpha_sum(expected: np.ndarray, inputs: Inputs) -> np.ndarray:
    """d/d alpha of the loss summed over the batch."""
    return sac_gradient_in_alpha(expected, inputs) * batch_size(inputs)
