"""The dist_categorical family: a categorical distribution over a finite support {0, ..., K-1}
with softmax logits, and the values f(x) of the function whose expectation is maximized.

| key     | shape | meaning                                                         |
|---------|-------|-----------------------------------------------------------------|
| `theta` | [K]   | softmax logits: p_theta(x) = exp(theta[x]) / sum_y exp(theta[y]) |
| `f`     | [K]   | f[x] = f(x), the value of the objective at support point x       |
| `params`| object| per-formula extras: `theta_new` [K] (KL), `alpha` (step budget)  |

The parameter vector is theta itself (K coordinates, one per support point); the Fisher matrix
diag(p) - p p^T is singular along the constant vector (a constant shift of theta leaves p_theta
unchanged).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.families.common import array, positive_param, sample_budget, shape_of
from rlspec.oracle.instance import Instance

SIZE_OPTIONS: dict[str, tuple[int, int]] = {"support": (1, 6)}
CHOICE_OPTIONS: dict[str, tuple[object, ...]] = {
    "logit_scale": (1.0, 0.0, 4.0, 8.0),
    "values": ("normal", "integer", "constant"),
}
# The hard corners every conformance run checks at least once (conformance_tests/strategies.py):
# name -> generate() options ("param_end": every params.* argument near the low or high end of
# its domain, oracle/sampling.py), on instances of at least CORNER_SIZES.
CORNER_SIZES: dict[str, int] = {"support": 3}
CORNERS: dict[str, dict[str, object]] = {
    "near_degenerate_p": {"logit_scale": 20.0},
    "uniform_p": {"logit_scale": 0.0},
    "tied_values": {"values": "integer"},
    "constant_values": {"values": "constant"},
    "params_low": {"param_end": "low"},
    "params_high": {"param_end": "high"},
}


def sizes(instance: Instance) -> dict[str, int]:
    (k,) = shape_of(instance.data["theta"], "theta")
    return {"K": k}


def validate(instance: Instance) -> None:
    if "theta" not in instance.data:
        raise InstanceError("theta", "missing: give the softmax logits theta [K]")
    theta = array(instance, "theta", ndim=1)
    (k,) = shape_of(theta, "theta")
    if "f" not in instance.data:
        raise InstanceError("f", "missing: give the values f [K] of the objective on the support")
    array(instance, "f", shape=(k,))
    positive_param(instance, "alpha", "the KL budget")


def generate(seed: int, support: int = 4, logit_scale: float = 1.0, values: str = "normal") -> dict[str, Any]:
    """A seeded random categorical instance (binary64 numbers only).

    values: "normal" f ~ N(0, 1); "integer" f in {-3..3} (ties); "constant" f = 1 everywhere
    (grad J = 0: the natural step is then 0 by convention).
    """
    if support < 1:
        raise ValueError("need support >= 1")
    if values not in ("normal", "integer", "constant"):
        raise ValueError("values must be normal, integer or constant")
    rng = np.random.default_rng(seed)
    theta = logit_scale * rng.normal(size=support)
    if values == "normal":
        f = rng.normal(size=support)
    elif values == "integer":
        f = rng.integers(-3, 4, size=support).astype(float)
    else:
        f = np.ones(support)
    return {"family": "dist_categorical", "theta": theta.tolist(), "f": f.tolist()}


sample_param = sample_budget  # the family's own param domain: `budget`
