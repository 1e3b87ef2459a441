"""The gaussian_policy family: SAC's distribution forms, S states, actions in R^m.

| key | shape | meaning |
|---|---|---|
| `mean` | [S][m] | mean of the diagonal Gaussian policy at each state (pre-squash for the tanh form) |
| `log_std` | [S][m] | log standard deviations, std = exp(log_std) |
| `b` | [S] | critic offset: Q(s, a) = b[s] - (a - c[s])^T H[s] (a - c[s]) |
| `c` | [S][m] | the critic's maximizing action |
| `H` | [S][m][m] | critic curvature, symmetric positive semidefinite |
| `scale` | [m] | action scale of the squashed form, a = scale * tanh(u) + bias; > 0 |
| `bias` | [m] | action bias of the squashed form |
| `params.alpha` | scalar | temperature (the lecture's lambda), > 0 |

The Gaussian formulas ignore `scale` and `bias`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.families.common import array, positive_param, shape_of, show
from rlspec.oracle.instance import Instance

SIZE_OPTIONS: dict[str, tuple[int, int]] = {"states": (1, 3), "dims": (1, 3)}
CHOICE_OPTIONS: dict[str, tuple[object, ...]] = {"spread": ("moderate", "wide", "narrow", "saturated")}

# log_std ranges per spread; "saturated" puts the mean far out so tanh saturates
SPREADS: dict[str, tuple[float, float, float]] = {
    "moderate": (-1.5, 0.5, 1.0),
    "wide": (0.0, 2.0, 1.0),
    "narrow": (-5.0, -2.0, 1.0),
    "saturated": (-2.0, 0.0, 8.0),
}
# spreads at the ends of the accepted log_std domain [-50, 50] (hard corners of the suite)
END_SPREADS: dict[str, tuple[float, float, float]] = {
    "floor": (-50.0, -40.0, 1.0),
    "ceiling": (40.0, 50.0, 1.0),
}
# The hard corners every conformance run checks at least once (conformance_tests/strategies.py):
# name -> generate() options ("param_end": every params.* argument near the low or high end of
# its domain, oracle/sampling.py), on instances of at least CORNER_SIZES.
CORNER_SIZES: dict[str, int] = {"dims": 2}  # states are independent (and the quadrature costly)
CORNERS: dict[str, dict[str, object]] = {
    "log_std_floor": {"spread": "floor"},
    "log_std_ceiling": {"spread": "ceiling"},
    "saturated_squashing": {"spread": "saturated"},
    "narrow": {"spread": "narrow"},
    "wide": {"spread": "wide"},
}


def sizes(instance: Instance) -> dict[str, int]:
    s, m = shape_of(instance.data["mean"], "mean")[:2]
    return {"S": s, "m": m}


# std = exp(log_std) from about 2e-22 to 5e21: beyond, the quadrature of the squashed forms
# would not terminate in reasonable time (and no policy has such a spread).
LOG_STD_LIMIT = 50


def validate(instance: Instance) -> None:
    mean = array(instance, "mean", ndim=2)
    s, m = shape_of(mean, "mean")
    for i, row in enumerate(array(instance, "log_std", shape=(s, m))):
        for j, x in enumerate(row):
            if abs(x) > LOG_STD_LIMIT:
                raise InstanceError(
                    f"log_std[{i}][{j}]", f"is {show(x)}, must lie in [-{LOG_STD_LIMIT}, {LOG_STD_LIMIT}]"
                )
    array(instance, "b", shape=(s,))
    array(instance, "c", shape=(s, m))
    H = array(instance, "H", shape=(s, m, m))
    for i in range(s):
        for j in range(m):
            for k in range(j):
                if H[i][j][k] != H[i][k][j]:
                    raise InstanceError(f"H[{i}]", f"is not symmetric (H[{i}][{j}][{k}] != H[{i}][{k}][{j}])")
        try:
            block = np.array([[float(x) for x in row] for row in H[i]])
        except OverflowError:
            raise InstanceError(f"H[{i}]", "has an entry beyond the binary64 range (|x| > 1.8e308)") from None
        lowest = float(np.min(np.linalg.eigvalsh(block)))
        if lowest < -1e-12 * max(1.0, float(np.max(np.abs(block)))):
            raise InstanceError(f"H[{i}]", f"has eigenvalue {lowest:.3g}, must be positive semidefinite")
    if "scale" in instance.data:
        for j, k in enumerate(array(instance, "scale", shape=(m,))):
            if k <= 0:
                raise InstanceError(f"scale[{j}]", f"is {show(k)}, must be > 0")
    if "bias" in instance.data:
        array(instance, "bias", shape=(m,))
    positive_param(instance, "alpha", "the temperature")


def generate(seed: int, states: int = 2, dims: int = 2, spread: str = "moderate") -> dict[str, Any]:
    """A random instance: mean ~ N(0, 1) (times 8 for "saturated"), log_std uniform in the
    spread's range, c ~ N(0, 1), b ~ N(0, 1), H = G G^T / m, scale = exp(N(0, 0.5^2)),
    bias ~ N(0, 0.5^2), alpha log-uniform in [1e-2, 1e1]."""
    spreads = {**SPREADS, **END_SPREADS}
    if spread not in spreads:
        raise InstanceError("spread", f"is {spread!r}, expected one of {', '.join(spreads)}")
    rng = np.random.default_rng(seed)
    lo, hi, mean_scale = spreads[spread]
    H = []
    for _ in range(states):
        g = rng.standard_normal((dims, dims))
        h = g @ g.T / dims
        h = (h + h.T) / 2  # exactly symmetric in binary64
        H.append(h.tolist())
    return {
        "family": "gaussian_policy",
        "mean": (mean_scale * rng.standard_normal((states, dims))).tolist(),
        "log_std": rng.uniform(lo, hi, (states, dims)).tolist(),
        "b": rng.standard_normal(states).tolist(),
        "c": rng.standard_normal((states, dims)).tolist(),
        "H": H,
        "scale": np.exp(0.5 * rng.standard_normal(dims)).tolist(),
        "bias": (0.5 * rng.standard_normal(dims)).tolist(),
        "params": {"alpha": float(np.exp(rng.uniform(np.log(1e-2), np.log(1e1))))},
    }


def sample_param(rng: np.random.Generator, domain: str, shape: tuple[int, ...], raw: dict[str, Any]) -> Any:
    """Domain "pre_squash" (shape [S][m]): a pre-squash sample u per state. Each entry is, with
    probability 1/2, mean + std * N(0, 1) (a draw of the policy); 1/4, U(-20, 20); 1/4,
    +-U(15, 20), where tanh(u) rounds to +-1 in binary64 and a naive log(1 - tanh(u)^2) breaks."""
    if domain != "pre_squash":
        return None
    mean = np.asarray(raw["mean"], dtype=np.float64).reshape(shape)
    std = np.exp(np.asarray(raw["log_std"], dtype=np.float64).reshape(shape))
    draw = mean + std * rng.standard_normal(shape)
    wide = rng.uniform(-20.0, 20.0, shape)
    saturated = rng.choice(np.array([-1.0, 1.0]), shape) * rng.uniform(15.0, 20.0, shape)
    pick = rng.random(shape)
    return np.where(pick < 0.5, draw, np.where(pick < 0.75, wide, saturated))
