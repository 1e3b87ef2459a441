"""The dist_gaussian family: a diagonal Gaussian N(mean, diag(exp(log_std))^2) on R^n, and a
quadratic objective f(x) = c + b^T x + x^T H x (H is any n x n matrix; only its symmetric part
matters, so an implementation must not assume H symmetric).

| key       | shape  | meaning                                              |
|-----------|--------|------------------------------------------------------|
| `mean`    | [n]    | the mean m                                           |
| `log_std` | [n]    | log sigma_i (sigma_i = exp(log_std[i]))              |
| `c`       | scalar | the constant term of f                               |
| `b`       | [n]    | the linear term of f                                 |
| `H`       | [n][n] | the quadratic term of f: x^T H x                     |
| `params`  | object | extras: `mean_new`, `log_std_new` [n] (KL), `alpha`, `x` [n] (score) |

The parameter vector is theta = (mean_1..mean_n, log_std_1..log_std_n), 2n coordinates, in
that order; gradients, Fisher matrices and directions use it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.families.common import array, positive_param, sample_budget, shape_of
from rlspec.oracle.families.gaussian_policy import END_SPREADS
from rlspec.oracle.instance import Instance

SIZE_OPTIONS: dict[str, tuple[int, int]] = {"dim": (1, 4)}
CHOICE_OPTIONS: dict[str, tuple[object, ...]] = {
    "log_std_scale": (0.5, 0.0, 1.5),
    "quadratic": ("general", "symmetric", "linear"),
}
# The hard corners every conformance run checks at least once (conformance_tests/strategies.py):
# name -> generate() options ("param_end": every params.* argument near the low or high end of
# its domain, oracle/sampling.py), on instances of at least CORNER_SIZES.
CORNER_SIZES: dict[str, int] = {"dim": 2}
CORNERS: dict[str, dict[str, object]] = {
    "log_std_zero": {"log_std_scale": 0.0},
    "log_std_spread": {"log_std_scale": 5.0},
    "log_std_floor": {"log_std_end": "floor"},
    "log_std_ceiling": {"log_std_end": "ceiling"},
    "linear_objective": {"quadratic": "linear"},
    "symmetric_H": {"quadratic": "symmetric"},
    "params_low": {"param_end": "low"},
    "params_high": {"param_end": "high"},
}


def sizes(instance: Instance) -> dict[str, int]:
    (n,) = shape_of(instance.data["mean"], "mean")
    return {"n": n, "2*n": 2 * n}


def validate(instance: Instance) -> None:
    for key in ("mean", "log_std", "c", "b", "H"):
        if key not in instance.data:
            raise InstanceError(key, "missing: the dist_gaussian family needs mean, log_std, c, b, H")
    mean = array(instance, "mean", ndim=1)
    (n,) = shape_of(mean, "mean")
    array(instance, "log_std", shape=(n,))
    array(instance, "c", shape=())
    array(instance, "b", shape=(n,))
    array(instance, "H", shape=(n, n))
    positive_param(instance, "alpha", "the KL budget")


def generate(
    seed: int, dim: int = 2, log_std_scale: float = 0.5, quadratic: str = "general", log_std_end: str = ""
) -> dict[str, Any]:
    """A seeded random Gaussian instance (binary64 numbers only).

    quadratic: "general" H ~ N(0, 1) entries (not symmetric); "symmetric" (H + H^T)/2;
    "linear" H = 0 (then grad J w.r.t. log_std is 0).
    log_std_end: "floor" or "ceiling" draws log_std near an end of [-50, 50] instead
    (END_SPREADS, shared with the gaussian_policy family).
    """
    if dim < 1:
        raise ValueError("need dim >= 1")
    if quadratic not in ("general", "symmetric", "linear"):
        raise ValueError("quadratic must be general, symmetric or linear")
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=dim)
    log_std = log_std_scale * rng.normal(size=dim)
    if log_std_end:
        low, high, _ = END_SPREADS[log_std_end]
        log_std = rng.uniform(low, high, size=dim)
    c = float(rng.normal())
    b = rng.normal(size=dim)
    H = rng.normal(size=(dim, dim))
    if quadratic == "symmetric":
        H = (H + H.T) / 2
    elif quadratic == "linear":
        H = np.zeros((dim, dim))
    return {
        "family": "dist_gaussian",
        "mean": mean.tolist(),
        "log_std": log_std.tolist(),
        "c": c,
        "b": b.tolist(),
        "H": H.tolist(),
    }


sample_param = sample_budget  # the family's own param domain: `budget`
