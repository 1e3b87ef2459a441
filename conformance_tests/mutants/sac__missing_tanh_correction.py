"""One realistic bug: the tanh squashing's change-of-variables correction left out, log pi(a|s)
= log N(u; mean, std) (the density of u, not of a = scale tanh(u) + bias), in the log-probability
and in the squashed policy loss and its gradient (the inverse of hwang-ua/inac_pytorch issue #1;
a common slip when tanh is bolted onto a Gaussian policy)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.conformance_tests.examples import np_sac
from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403

KILLS = ("sac.tanh_gaussian_log_prob", "sac.squashed_policy_objective", "sac.squashed_policy_gradient")


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> np.ndarray[Any, Any]:
    z = (u - mean) * np.exp(-log_std)
    return np.asarray(np.sum(-0.5 * z * z - log_std - 0.5 * np.log(2.0 * np.pi), axis=-1))


def sac_squashed_policy_objective(
    mean: Any, log_std: Any, b: Any, c: Any, H: Any, scale: Any, bias: Any, alpha: Any
) -> np.ndarray[Any, Any]:
    # the correct loss minus alpha E[-log(scale (1 - tanh^2))]: only the Gaussian's log-density
    full = np_sac.sac_squashed_policy_objective(mean, log_std, b, c, H, scale, bias, alpha)
    e_log = np.array(
        [
            [np_sac._squashed_moments(float(m), float(s))["log_sech2"] for m, s in zip(mr, sr, strict=True)]
            for mr, sr in zip(mean, np.exp(log_std), strict=True)
        ]
    )
    return np.asarray(full + alpha * np.sum(np.log(scale) + e_log, axis=-1))


def sac_squashed_policy_gradient(
    mean: Any, log_std: Any, b: Any, c: Any, H: Any, scale: Any, bias: Any, alpha: Any
) -> np.ndarray[Any, Any]:
    # without the correction, alpha log pi contributes only its -alpha in log_std
    full = np_sac.sac_squashed_policy_gradient(mean, log_std, b, c, H, scale, bias, alpha)
    std = np.exp(log_std)
    e_t = np.array(
        [
            [np_sac._squashed_moments(float(m), float(s))["t"] for m, s in zip(mr, sr, strict=True)]
            for mr, sr in zip(mean, std, strict=True)
        ]
    )
    e_eps_t = np.array(
        [
            [np_sac._squashed_moments(float(m), float(s))["eps_t"] for m, s in zip(mr, sr, strict=True)]
            for mr, sr in zip(mean, std, strict=True)
        ]
    )
    full[:, 0, :] -= 2.0 * alpha * e_t
    full[:, 1, :] -= std * 2.0 * alpha * e_eps_t
    return full
