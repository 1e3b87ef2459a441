"""The tabular family: gamma, mu [S], P [S][A][S], R [S][A][S], theta [S][A] (or pi [S][A])."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.families.common import (
    array,
    binary64_distribution,
    count_param,
    discount,
    positive_param,
    probability_rows,
    scalar_param,
    shape_of,
    start_distribution,
)
from rlspec.oracle.instance import Instance


def sizes(instance: Instance) -> dict[str, int]:
    known = instance.checked.get("P")
    if known is not None and known[0] is instance.data["P"]:
        s, a = known[1][:2]
    else:
        s, a = shape_of(instance.data["P"], "P")[:2]
    return {"S": s, "A": a, "S*A": s * a}


def validate(instance: Instance) -> None:
    discount(instance)
    P = array(instance, "P", ndim=3, binary64=True)
    s, a, s2 = shape_of(P, "P")
    if s2 != s:
        raise InstanceError(
            "P", f"has shape {[s, a, s2]}: P[s][a][s'] needs the last dimension equal to S = {s}"
        )
    probability_rows(instance, "P")
    array(instance, "R", shape=(s, a, s), binary64=True)
    start_distribution(instance, s)
    if "theta" in instance.data:
        array(instance, "theta", shape=(s, a))
    elif "pi" in instance.data:
        array(instance, "pi", shape=(s, a))
        probability_rows(instance, "pi")
    else:
        raise InstanceError("theta", "missing: give the softmax logits theta [S][A] (or pi [S][A])")
    entropy_params(instance)
    trust_region_params(instance)


def entropy_params(instance: Instance) -> None:
    """params.lambda (a temperature) must be > 0 and params.k (a step count) an integer >= 0."""
    positive_param(instance, "lambda", "the temperature")
    count_param(instance, "k")


def trust_region_params(instance: Instance) -> None:
    """The TRPO / PPO scalars: KL budget delta > 0, backtracking factor 0 < beta < 1, counts
    (max_backtracks, iterations) integers >= 0, CG damping >= 0, clip range epsilon >= 0."""
    positive_param(instance, "delta", "the KL budget")
    scalar_param(instance, "beta", lambda x: 0 < x < 1, "satisfy 0 < beta < 1 (the backtracking factor)")
    count_param(instance, "max_backtracks")
    count_param(instance, "iterations")
    scalar_param(instance, "damping", lambda x: x >= 0, "be >= 0 (the damping of conjugate gradient)")
    scalar_param(instance, "epsilon", lambda x: x >= 0, "be >= 0 (the clip range)")


def policy_logits(instance: Instance) -> Any:
    """theta, or log(pi) when the instance gives pi (every entry of pi must then be > 0)."""
    if "theta" in instance.data:
        return instance.data["theta"]
    raise InstanceError("pi", "this formula needs softmax logits: give theta [S][A] instead of pi")


# ---- random instances ------------------------------------------------------------------------

KINDS = ("dense", "sparse", "deterministic", "absorbing", "periodic", "multiclass")
POLICIES = ("softmax", "near_deterministic", "graded")
STARTS = ("full", "partial")


def generate(
    seed: int,
    states: int = 4,
    actions: int = 3,
    gamma: float | None = None,
    kind: str = "dense",
    logit_scale: float = 1.0,
    unreachable: int = 0,
    policy: str = "softmax",
    start: str = "full",
    logit_offset: float = 0.0,
    rare: int = 0,
) -> dict[str, Any]:
    """A seeded random tabular instance as a JSON-ready dict of binary64 numbers.

    kind: "dense" (Dirichlet rows), "sparse" (each row supported on <= 2 states),
    "deterministic" (one next state per (s, a)), "absorbing" (dense, but state 0 stays put
    with probability 0.99), "periodic" (a period-2 chain: even states move only to odd ones and
    back, so P_pi^t has no limit and the stationary distribution is a Cesaro limit),
    "multiclass" (the reachable states split into two closed classes: several recurrent classes).
    `unreachable` > 0 makes the last states unreachable from mu's support (mu is 0 there and no
    transition enters them).
    policy: "softmax" (theta = logit_scale N(0, 1)) or "near_deterministic" (on about 3/4 of the
    states, at least one, one action's logit is raised by 22 to 40, so the others get log pi < -20)
    or "graded" (one action per state at logit 0, the others at -U(0, 40): probabilities at every
    scale from 1 down to 4e-18, so also just under any floor a float64 code might put on them).
    start: "full" (mu > 0 on every reachable state) or "partial" (mu = 0 on some states that the
    policy still reaches: with dense P, every state but the first is reached from it).
    logit_offset > 0 shifts each state's logits by +-U(0.75, 1) logit_offset (pi is unchanged;
    at 1e3, exp of a logit overflows or underflows in binary64).
    `rare` > 0 makes the last reachable states rarely visited: mu is 0 there and every transition
    into them is scaled down by 10^-U(4, 10) (rows renormalized), so d is small but positive.
    """
    if kind not in KINDS or policy not in POLICIES or start not in STARTS:
        raise ValueError(f"kind in {KINDS}, policy in {POLICIES}, start in {STARTS}")
    if states < 1 or actions < 1 or not 0 <= unreachable < states:
        raise ValueError("need states >= 1, actions >= 1, 0 <= unreachable < states")
    rng = np.random.default_rng(seed)
    reach = states - unreachable
    g = float(rng.choice([0.5, 0.9, 0.99])) if gamma is None else float(gamma)
    P = np.empty((states, actions, states))  # allocated first: too large is a MemoryError at once
    for s in range(states):
        P[s] = _transition_rows(rng, kind, s, actions, states, reach)
    mu = np.zeros(states)
    if start == "partial" and reach > 1:
        support = rng.choice(reach, size=int(rng.integers(1, reach)), replace=False)
        mu[support] = rng.dirichlet(np.ones(len(support)))
    else:
        mu[:reach] = rng.dirichlet(np.ones(reach))
    R = rng.uniform(-1.0, 1.0, size=(states, actions, states))
    theta = logit_scale * rng.normal(size=(states, actions))
    if policy == "near_deterministic":
        lead = rng.integers(actions, size=states)
        raised = rng.random(states) < 0.75
        raised[rng.integers(states)] = True  # at least one state
        theta[np.arange(states), lead] += np.where(raised, rng.uniform(22.0, 40.0, size=states), 0.0)
    if policy == "graded":
        theta = -rng.uniform(0.0, 40.0, size=(states, actions))
        theta[np.arange(states), rng.integers(actions, size=states)] = 0.0
    if logit_offset:
        sign = rng.choice(np.array([-1.0, 1.0]), size=(states, 1))
        theta = theta + sign * rng.uniform(0.75, 1.0, size=(states, 1)) * logit_offset
    if rare:
        _make_rare(rng, P, mu, range(max(reach - rare, 1), reach))
    return {
        "family": "tabular",
        "gamma": g,
        "mu": binary64_distribution(mu),
        "P": [[binary64_distribution(P[s, a]) for a in range(actions)] for s in range(states)],
        "R": R.tolist(),
        "theta": theta.tolist(),
    }


def _make_rare(rng: np.random.Generator, P: np.ndarray, mu: np.ndarray, rare: range) -> None:
    """Scale every transition into the states `rare` (and their start probability, to 0) down,
    in place; the rows and mu are renormalized."""
    for t in rare:
        P[:, :, t] *= 10.0 ** -rng.uniform(4.0, 10.0)
        mu[t] = 0.0
    P /= P.sum(axis=2, keepdims=True)
    mu /= mu.sum()


def _transition_rows(
    rng: np.random.Generator, kind: str, s: int, actions: int, states: int, reach: int
) -> np.ndarray:
    """P[s] ([actions][states]) for one state of a `kind` chain on the first `reach` states."""
    rows = np.zeros((actions, states))
    half = max(reach // 2, 1)
    for a in range(actions):
        if kind == "deterministic":
            rows[a, rng.integers(reach)] = 1.0
        elif kind == "sparse":
            support = rng.choice(reach, size=min(2, reach), replace=False)
            rows[a, support] = rng.dirichlet(np.ones(len(support)))
        elif kind == "periodic":
            other = [t for t in range(reach) if t % 2 != s % 2] or [0]
            rows[a, other] = rng.dirichlet(np.ones(len(other)))
        elif kind == "multiclass":
            block = range(half) if s < half or s >= reach else range(half, reach)
            rows[a, list(block)] = rng.dirichlet(np.ones(len(block)))
        else:
            rows[a, :reach] = rng.dirichlet(np.ones(reach))
        if kind == "absorbing" and s == 0:
            rows[a] *= 0.01
            rows[a, 0] += 0.99
    return rows


# What the conformance suite's strategies draw (conformance_tests/strategies.py): sizes shrink
# to the minimum, the first choice is the simplest. gamma up to 0.999, |A| = 1, sparse,
# deterministic and absorbing P, uniform and near-deterministic policies, unreachable states.
SIZE_OPTIONS: dict[str, tuple[int, int]] = {"states": (1, 6), "actions": (1, 4), "unreachable": (0, 2)}
CHOICE_OPTIONS: dict[str, tuple[object, ...]] = {
    "kind": KINDS,
    "gamma": (0.5, 0.0, 0.9, 0.99, 0.999),
    "logit_scale": (1.0, 0.0, 8.0),
    "policy": POLICIES[:2],  # "graded" is drawn with the extreme_scales corner
    "start": STARTS,
}
# The hard corners every conformance run checks at least once (generate() options; "param_end"
# puts each params.* argument near the low or high end of its domain, oracle/sampling.py), on
# instances of at least CORNER_SIZES.
CORNER_SIZES: dict[str, int] = {"states": 3, "actions": 2}
CORNERS: dict[str, dict[str, object]] = {
    "near_deterministic_policy": {"policy": "near_deterministic"},
    "gamma_near_one": {"gamma": 0.999},
    "gamma_zero": {"gamma": 0.0},
    "mu_zero_on_reached_states": {"start": "partial"},
    "unreachable_states": {"unreachable": 1},
    "periodic_P": {"kind": "periodic", "gamma": 0.99},
    "absorbing_P": {"kind": "absorbing", "gamma": 0.99},
    "deterministic_P": {"kind": "deterministic"},
    "several_recurrent_classes": {"kind": "multiclass", "states": 4},
    "large_logits": {"logit_scale": 8.0},
    "uniform_policy": {"logit_scale": 0.0},
    "params_low": {"param_end": "low"},
    "params_high": {"param_end": "high"},
    # logits beyond exp's range, probabilities at every scale, a rarely visited state
    "extreme_scales": {"logit_offset": 1000.0, "policy": "graded", "rare": 1},
}
