"""Benchmark of the oracle's NPG/TRPO directions: npg.direction and trpo.step with their certified
bounds at 50 digits, by the block-diagonal route, next to the dense route.

    python3 benchmarks/oracle_npg.py            |S| = 10, 50, 200 with |A| = 5 (gamma = 0.99)
    python3 benchmarks/oracle_npg.py --states 200 --dense-limit 30
    python3 benchmarks/oracle_npg.py --lower-bound N   tightest ratio of eq 25 over N instances

Block route (what `rlspec oracle` runs): the Fisher is block-diagonal by state, block
d(s) (diag(pi_s) - pi_s pi_s^T) with null space span(1), so F^+ grad V = (A - row means) / (1 - gamma)
on the states mu reaches and 0 elsewhere: one policy evaluation (the MDP core); the certificates
(oracle/certificates/npg.py) re-evaluate V, Q (and d for the step) at twice the precision with the
core's contraction-residual bounds. "cold" includes
building the MDP core's fixed-point model of the instance (shared with every formula on it);
"warm" is a second evaluation on the same instance.

Dense route (no bounds): build the [S*A][S*A] Fisher (npg.fisher) and grad V at 60 digits and
apply the pseudo-inverse through mpmath's symmetric eigendecomposition. It is cubic in S*A; sizes
whose predicted time exceeds --dense-limit seconds are extrapolated (marked "~") from the largest
size measured. numpy float64 pinv of the same dense matrix is shown for scale.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from mpmath import mp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rlspec.oracle.evaluate import evaluate
from rlspec.oracle.families import tabular
from rlspec.oracle.instance import Instance, from_mapping
from rlspec.reference import mdp, npg

ACTIONS = 5
DPS = 50


def instance(states: int, seed: int = 7) -> tuple[Instance, dict[str, Any]]:
    raw = tabular.generate(seed, states=states, actions=ACTIONS, gamma=0.99, kind="dense")
    raw["params"] = {"delta": 0.01}
    return from_mapping(raw), raw


def timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def block_rows(inst: Instance) -> list[tuple[str, str, float, float]]:
    rows = []
    for formula_id in ("npg.direction", "trpo.step"):
        result, cold = timed(lambda formula_id=formula_id: evaluate(formula_id, inst, dps=DPS))
        _, warm = timed(lambda formula_id=formula_id: evaluate(formula_id, inst, dps=DPS))
        rows.append((formula_id, f"{result.bound} {mp.nstr(result.error_bound, 3)}", cold, warm))
    return rows


def dense_direction(inst: Instance) -> list[Any]:
    d = inst.data
    with mp.workdps(DPS + 10):
        F = npg.fisher(d["P"], d["gamma"], d["mu"], d["theta"])
        g = [x for row in mdp.gradient(d["P"], d["R"], d["gamma"], d["mu"], d["theta"]) for x in row]
        w, Q = mp.eigsy(mp.matrix(F))
        n = len(g)
        cut = mp.mpf(10) ** (-(DPS + 10) // 2)
        out = [mp.zero] * n
        for k in range(n):
            if abs(w[k]) > cut:
                coef = mp.fsum(Q[i, k] * g[i] for i in range(n)) / w[k]
                for i in range(n):
                    out[i] += coef * Q[i, k]
        return out


def numpy_dense(raw: dict[str, Any]) -> float:
    from rlspec.conformance_tests.examples.np_npg import _advantage, _policy, _visitation, npg_fisher

    P, R, gamma, mu, theta = (
        np.asarray(raw[k], dtype=np.float64) for k in ("P", "R", "gamma", "mu", "theta")
    )
    start = time.perf_counter()
    F = npg_fisher(P, gamma, mu, theta)
    grad = (
        _visitation(P, gamma, mu, theta)[:, None]
        * _policy(theta)
        * _advantage(P, R, gamma, theta)
        / (1 - gamma)
    )
    np.linalg.pinv(F, hermitian=True) @ grad.reshape(-1)
    return time.perf_counter() - start


def lower_bound_ratios(count: int) -> None:
    """(V_t(theta') - V(theta')) / penalty over random instances and theta' = theta + c N(0, 1):
    eq 25 holds iff every ratio is <= 1; prints the largest (the tightest case seen)."""
    from fractions import Fraction

    from rlspec.reference import trpo

    rng = np.random.default_rng(2025)
    worst: tuple[Any, Any] = (mp.mpf(-1), None)
    for seed in range(count):
        opts: dict[str, Any] = {
            "states": int(rng.integers(1, 7)),
            "actions": int(rng.integers(2, 5)),
            "gamma": float(rng.choice([0.0, 0.5, 0.9, 0.99, 0.999])),
            "kind": str(rng.choice(tabular.KINDS)),
            "logit_scale": float(rng.choice([0.0, 1.0, 4.0])),
        }
        inst = from_mapping(tabular.generate(seed, **opts))
        d = inst.data
        spread = float(rng.choice([0.01, 0.1, 0.5, 2.0, 6.0]))
        new = [[x + Fraction(float(spread * rng.normal())) for x in row] for row in d["theta"]]
        with mp.workdps(30):
            surrogate = trpo.surrogate(d["P"], d["R"], d["gamma"], d["mu"], d["theta"], new)
            penalty = surrogate - trpo.lower_bound(d["P"], d["R"], d["gamma"], d["mu"], d["theta"], new)
            value = mdp.objective(d["P"], d["R"], d["gamma"], d["mu"], new)
            if penalty > mp.mpf(10) ** -20:
                ratio = (surrogate - value) / penalty
                if ratio > worst[0]:
                    worst = (ratio, (seed, opts, spread))
    print(f"eq 25 over {count} instances: max (V_t - V) / penalty = {mp.nstr(worst[0], 6)} at {worst[1]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--states", type=int, nargs="*", default=[10, 50, 200])
    parser.add_argument(
        "--dense-limit", type=float, default=30.0, help="seconds; larger dense runs are extrapolated"
    )
    parser.add_argument(
        "--lower-bound", type=int, default=0, metavar="N", help="check eq 25 on N instances instead"
    )
    args = parser.parse_args(argv)
    if args.lower_bound:
        lower_bound_ratios(args.lower_bound)
        return 0
    print(f"|A| = {ACTIONS}, gamma = 0.99, {DPS} digits; seconds")
    print(
        f"{'|S|':>5}  {'formula':<14} {'bound':<24} {'cold':>7} {'warm':>7}  "
        f"{'dense (mp, no bound)':>20}  {'numpy pinv':>10}"
    )
    measured: tuple[int, float] | None = None
    for states in args.states:
        inst, raw = instance(states)
        rows = block_rows(inst)
        n = states * ACTIONS
        if measured is not None and measured[1] * (n / measured[0]) ** 3 > args.dense_limit:
            dense = f"~{measured[1] * (n / measured[0]) ** 3:.3g}"
        else:
            _, seconds = timed(lambda inst=inst: dense_direction(inst))
            measured = (n, seconds)
            dense = f"{seconds:.3g}"
        numpy_seconds = numpy_dense(raw)
        for formula_id, bound, cold, warm in rows:
            print(
                f"{states:>5}  {formula_id:<14} {bound:<24} {cold:>7.3f} {warm:>7.3f}  "
                f"{dense:>20}  {numpy_seconds:>10.4f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
