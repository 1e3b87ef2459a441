"""The fsca family: finitely many states, continuous actions a in R^m, a deterministic policy.

keys: gamma, mu [S] (initial distribution), L [S][S], G [S][S][m], c [S][S], h [S][S][m],
H [S][m][m] (each H[s] symmetric), theta [S][m].
P(s'|s, a) = softmax_s'(L[s][s'] + G[s][s'] . a); r(s, a, s') = c[s][s'] + h[s][s'] . a - a^T H[s] a;
policy pi(s) = theta[s]. Because P depends on a, the second and third terms of the proof of the
DPG theorem (lecture eq 39) are not zero here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.families.common import array, binary64_distribution, discount, shape_of, start_distribution
from rlspec.oracle.families.lqr import symmetric
from rlspec.oracle.instance import Instance

SIZE_OPTIONS: dict[str, tuple[int, int]] = {"states": (1, 4), "action_dim": (1, 3)}
CHOICE_OPTIONS: dict[str, tuple[object, ...]] = {
    "gamma": (0.9, 0.0, 0.5, 0.99, 0.999),
    "coupling": (1.0, 0.0, 3.0),
}

# The hard corners every conformance run checks at least once (conformance_tests/strategies.py):
# name -> generate() options ("param_end": every params.* argument near the low or high end of
# its domain, oracle/sampling.py), on instances of at least CORNER_SIZES.
CORNER_SIZES: dict[str, int] = {"states": 3, "action_dim": 2}
CORNERS: dict[str, dict[str, object]] = {
    "gamma_near_one": {"gamma": 0.999},
    "gamma_zero": {"gamma": 0.0},
    "action_independent_P": {"coupling": 0.0},
    "strong_coupling": {"coupling": 3.0},
    "mu_zero_on_reached_states": {"start": "partial"},
}
STARTS = ("full", "partial")


def sizes(instance: Instance) -> dict[str, int]:
    s, _, m = shape_of(instance.data["G"], "G")
    return {"S": s, "m": m}


def validate(instance: Instance) -> None:
    discount(instance)
    L = array(instance, "L", ndim=2)
    s, s2 = shape_of(L, "L")
    if s2 != s:
        raise InstanceError("L", f"has shape {[s, s2]}, must be square [S][S]")
    G = array(instance, "G", ndim=3)
    if shape_of(G, "G")[:2] != (s, s):
        raise InstanceError("G", f"has shape {list(shape_of(G, 'G'))}, expected [S][S][m] with S = {s}")
    m = shape_of(G, "G")[2]
    array(instance, "c", shape=(s, s))
    array(instance, "h", shape=(s, s, m))
    H = array(instance, "H", shape=(s, m, m))
    for i in range(s):
        symmetric(H[i], f"H[{i}]")
    array(instance, "theta", shape=(s, m))
    start_distribution(instance, s)


def generate(
    seed: int,
    states: int = 3,
    action_dim: int = 2,
    gamma: float | None = None,
    coupling: float = 1.0,
    start: str = "full",
) -> dict[str, Any]:
    """A seeded random fsca instance (JSON-ready binary64 numbers). `coupling` scales G, how
    strongly the action moves the next-state distribution (0: P does not depend on a).
    start: "full" (mu > 0 everywhere) or "partial" (mu = 0 on some states, which the policy
    still reaches: every P(s'|s, a) is positive)."""
    if states < 1 or action_dim < 1 or start not in STARTS:
        raise ValueError(f"need states >= 1 and action_dim >= 1, start in {STARTS}")
    rng = np.random.default_rng(seed)
    g = float(rng.choice([0.5, 0.9, 0.99])) if gamma is None else float(gamma)
    S, m = states, action_dim
    H = np.empty((S, m, m))
    for s in range(S):
        X = rng.normal(size=(m, m))
        Hs = X @ X.T / m + 0.1 * np.eye(m)
        H[s] = (Hs + Hs.T) / 2
    mu = rng.dirichlet(np.ones(S))
    if start == "partial" and S > 1:
        mu[rng.choice(S, size=int(rng.integers(1, S)), replace=False)] = 0.0
        mu /= mu.sum()
    return {
        "family": "fsca",
        "gamma": g,
        "mu": binary64_distribution(mu),
        "L": rng.normal(size=(S, S)).tolist(),
        "G": (float(coupling) * rng.normal(size=(S, S, m))).tolist(),
        "c": rng.uniform(-1.0, 1.0, size=(S, S)).tolist(),
        "h": (0.5 * rng.normal(size=(S, S, m))).tolist(),
        "H": H.tolist(),
        "theta": (0.5 * rng.normal(size=(S, m))).tolist(),
    }

