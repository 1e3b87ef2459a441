"""Benchmark of the oracle's MDP core, and the float64 routes used to measure tolerances.

    python3 benchmarks/oracle_core.py                 the timing table (|S| = 10, 50, 100, 200; |A| = 5)
    python3 benchmarks/oracle_core.py --tolerances N  peak float64 error, in tolerance units, over N seeds

Timing: seconds to compute V, Q, A, d and grad V *with their certified bounds* at 50 digits
through `oracle.evaluate.evaluate` (what `rlspec oracle` runs), for one instance; the naive route
(mpmath lu_solve on I - gamma P_pi at 60 digits, V and d only, then Q, A, grad from them,
no bounds) and plain numpy float64 for comparison.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core: BLAS threads only contend here
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from mpmath import mp
from scipy.sparse.csgraph import connected_components

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rlspec import spec
from rlspec.conformance_tests import scales
from rlspec.oracle.evaluate import evaluate
from rlspec.oracle.families import tabular
from rlspec.oracle.instance import Instance, from_mapping
from rlspec.reference.numbers import Binary64Array

CORE = ("mdp.v", "mdp.q", "mdp.advantage", "mdp.visitation", "pg.gradient")
NAIVE_LIMIT_SECONDS = 60.0

# ---- float64 routes (plain numpy, what a careful user would write) ----------------------------


def np_policy(theta: Any) -> Any:
    w = np.exp(theta - theta.max(axis=1, keepdims=True))
    return w / w.sum(axis=1, keepdims=True)


def np_v(P: Any, R: Any, gamma: Any, theta: Any) -> Any:
    pi = np_policy(theta)
    p_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sat,sat->s", pi, P, R)
    return np.linalg.solve(np.eye(len(P)) - gamma * p_pi, r_pi)


def np_q(P: Any, R: Any, gamma: Any, theta: Any) -> Any:
    return np.einsum("sat,sat->sa", P, R) + gamma * P @ np_v(P, R, gamma, theta)


def np_advantage(P: Any, R: Any, gamma: Any, theta: Any) -> Any:
    v = np_v(P, R, gamma, theta)
    return np.einsum("sat,sat->sa", P, R) + gamma * P @ v - v[:, None]


def np_visitation(P: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    p_pi = np.einsum("sa,sat->st", np_policy(theta), P)
    return np.linalg.solve(np.eye(len(P)) - gamma * p_pi.T, (1 - gamma) * mu)


def np_objective(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    return mu @ np_v(P, R, gamma, theta)


def np_gradient(P: Any, R: Any, gamma: Any, mu: Any, theta: Any) -> Any:
    d = np_visitation(P, gamma, mu, theta)
    return d[:, None] * np_policy(theta) * np_advantage(P, R, gamma, theta) / (1 - gamma)


def np_performance_difference(P: Any, R: Any, gamma: Any, mu: Any, theta: Any, theta_new: Any) -> Any:
    d = np_visitation(P, gamma, mu, theta_new)
    gain = d @ (np_policy(theta_new) * np_advantage(P, R, gamma, theta)).sum(axis=1)
    return np_objective(P, R, gamma, mu, theta) + gain / (1 - gamma)


def np_stationary(P: Any, mu: Any, theta: Any) -> Any:
    p_pi = np.einsum("sa,sat->st", np_policy(theta), P)
    support = (P != 0).any(axis=1)
    _, labels = connected_components(support, directed=True, connection="strong")
    classes = [labels == c for c in np.unique(labels) if not support[np.ix_(labels == c, labels != c)].any()]
    transient = ~np.any(classes, axis=0)
    d = np.zeros(len(P))
    for c in classes:
        k = int(c.sum())
        a = (np.eye(k) - p_pi[np.ix_(c, c)]).T
        a[-1] = 1.0
        law = np.linalg.solve(a, np.r_[np.zeros(k - 1), 1.0])
        weight = mu[c].sum()
        if transient.any():
            t = transient
            h = np.linalg.solve(np.eye(int(t.sum())) - p_pi[np.ix_(t, t)], p_pi[np.ix_(t, c)].sum(axis=1))
            weight += mu[t] @ h
        d[c] = weight * law
    return d


def np_v_star(P: Any, R: Any, gamma: Any) -> Any:
    r = np.einsum("sat,sat->sa", P, R)
    actions = r.argmax(axis=1)
    n = np.arange(len(P))
    for _ in range(1000):
        v = np.linalg.solve(np.eye(len(P)) - gamma * P[n, actions], r[n, actions])
        q = r + gamma * P @ v
        better = q.max(axis=1) > q[n, actions] + 1e-12 * (1 + np.abs(q).max())
        if not better.any():
            return v
        actions = np.where(better, q.argmax(axis=1), actions)
    return v


def np_q_star(P: Any, R: Any, gamma: Any) -> Any:
    return np.einsum("sat,sat->sa", P, R) + gamma * P @ np_v_star(P, R, gamma)


ROUTES: dict[str, Callable[..., Any]] = {
    "mdp.v": np_v,
    "mdp.q": np_q,
    "mdp.advantage": np_advantage,
    "mdp.visitation": np_visitation,
    "mdp.stationary": np_stationary,
    "pg.objective": np_objective,
    "pg.gradient": np_gradient,
    "pg.performance_difference": np_performance_difference,
    "mdp.v_star": np_v_star,
    "mdp.q_star": np_q_star,
}

# ---- tolerance measurement ----------------------------------------------------------------------


def float_args(f: spec.Formula, instance: Instance) -> dict[str, Any]:
    from rlspec.oracle.evaluate import arguments

    values = arguments(f, instance)
    return {a.name: np.asarray(_to_float(v), dtype=np.float64) for a, v in zip(f.args, values, strict=True)}


def _to_float(x: Any) -> Any:
    if isinstance(x, Binary64Array):
        return x.tolist()
    return [_to_float(v) for v in x] if isinstance(x, list) else float(x)


def random_raw(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng([7, seed])
    raw = tabular.generate(
        seed,
        states=int(rng.integers(1, 9)),
        actions=int(rng.integers(1, 5)),
        gamma=float(rng.choice([0.0, 0.5, 0.9, 0.99, 0.999])),
        kind=str(rng.choice(tabular.KINDS)),
        logit_scale=float(rng.choice([0.0, 1.0, 8.0])),
    )
    s, a = len(raw["P"]), len(raw["P"][0])
    raw["params"] = {"theta_new": (np.asarray(raw["theta"]) + 0.3 * rng.normal(size=(s, a))).tolist()}
    return raw


def measure(ids: list[str], seeds: int) -> dict[str, float]:
    """Peak |float64 - oracle| / (eps64 * scale) over `seeds` random instances, per formula; the
    oracle evaluates the float64-rounded instance (here the instance is binary64 already)."""
    peak = dict.fromkeys(ids, 0.0)
    for seed in range(seeds):
        instance = from_mapping(random_raw(seed))
        for fid in ids:
            f = spec.formula(fid)
            args = float_args(f, instance)
            got = np.asarray(ROUTES[fid](*args.values()), dtype=np.float64)
            expected = np.asarray(_to_float(evaluate(fid, instance, 20).value), dtype=np.float64)
            env = {"np": np, "expected": expected, **vars(scales), **args}
            scale = float(eval(f.tolerance.scale, env))
            err = float(np.max(np.abs(got - expected))) if got.size else 0.0
            peak[fid] = max(peak[fid], err / (2.0**-52 * scale))
    return peak


# ---- timing -------------------------------------------------------------------------------------


def naive_core(instance: Instance, dps: int) -> None:
    """V and d by mpmath lu_solve on the dense systems, then Q, A and grad from them (no bounds)."""
    from rlspec.reference import mdp
    from rlspec.reference.numbers import identity

    d = instance.data
    with mp.workdps(dps):
        pi = mdp.policy(d["theta"])
        p_pi = mdp.transition_matrix(d["P"], pi)
        g = mp.mpf(d["gamma"].numerator) / d["gamma"].denominator
        n = len(p_pi)
        eye = identity(n)
        m = mp.matrix([[eye[s][t] - g * p_pi[s][t] for t in range(n)] for s in range(n)])
        v = mp.lu_solve(m, mp.matrix(mdp.policy_reward(d["P"], d["R"], pi)))
        vis = mp.lu_solve(m.T, mp.matrix([(1 - g) * mp.mpf(x.numerator) / x.denominator for x in d["mu"]]))
        q = mdp.q_from_v(d["P"], d["R"], d["gamma"], [v[i] for i in range(n)])
        adv = [[x - v[s] for x in row] for s, row in enumerate(q)]
        [[vis[s] * pi[s][a] * adv[s][a] / (1 - g) for a in range(len(pi[s]))] for s in range(n)]


def float64_core(instance: Instance) -> None:
    args = {k: np.asarray(_to_float(instance.data[k])) for k in ("P", "R", "gamma", "mu", "theta")}
    P, R, gamma, mu, theta = (args[k] for k in ("P", "R", "gamma", "mu", "theta"))
    np_v(P, R, gamma, theta)
    np_q(P, R, gamma, theta)
    np_advantage(P, R, gamma, theta)
    np_visitation(P, gamma, mu, theta)
    np_gradient(P, R, gamma, mu, theta)


def table(sizes: tuple[int, ...], actions: int, dps: int, naive_max: int) -> str:
    """CPU seconds of this process (time.process_time: one core, robust to other load on the
    machine), plus the wall-clock total of the certified column."""
    clock = time.process_time
    rows = [
        f"CPU seconds on one core, {dps} digits, gamma = 0.99, dense P (tabular.generate seed 1).",
        "",
        "| S | A | parse+validate | V | Q | A | d | grad V | all five, certified (wall) "
        "| naive mpmath lu_solve | numpy float64 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in sizes:
        raw = tabular.generate(1, states=s, actions=actions, gamma=0.99)
        start = clock()
        instance = from_mapping(raw)
        t_parse = clock() - start
        per: dict[str, float] = {}
        wall = time.perf_counter()
        for fid in CORE:
            tick = clock()
            evaluate(fid, instance, dps)
            per[fid] = clock() - tick
        wall = time.perf_counter() - wall
        if s <= naive_max:
            tick = clock()
            naive_core(instance, dps + 10)
            naive = f"{clock() - tick:.2f}"
        else:
            naive = f"skipped (> {NAIVE_LIMIT_SECONDS:.0f} s)"
        tick = clock()
        float64_core(instance)
        fl = clock() - tick
        cells = " | ".join(f"{per[fid]:.3f}" for fid in CORE)
        total = sum(per.values())
        certified = f"**{total:.2f}** ({wall:.2f})"
        rows.append(f"| {s} | {actions} | {t_parse:.2f} | {cells} | {certified} | {naive} | {fl:.4f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tolerances", type=int, metavar="SEEDS", help="measure float64 errors instead")
    parser.add_argument("--sizes", default="10,50,100,200")
    parser.add_argument("--dps", type=int, default=50)
    parser.add_argument("--naive-max", type=int, default=200, help="skip the naive route above this |S|")
    args = parser.parse_args(argv)
    if args.tolerances:
        peak = measure(list(ROUTES), args.tolerances)
        for fid, units in peak.items():
            f = spec.formula(fid)
            tol = f.tolerance
            print(f"{fid:28s} peak {units:8.3f} units   factor {tol.factor:g}   ({tol.scale})")
        return 0
    print(table(tuple(int(x) for x in args.sizes.split(",")), 5, args.dps, args.naive_max))
    return 0


if __name__ == "__main__":
    sys.exit(main())
