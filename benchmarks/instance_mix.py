"""The mix of tabular instances a default `rlspec conform` run checks, as the suite draws them
(the family's hard corners first, then hypothesis' draws for the rest of the budget), over
several runs: the share of instances with one action, one state, a uniform policy, gamma =
0.999, some log pi < -20, mu = 0 on a state the policy reaches, an unreachable state.

    python benchmarks/instance_mix.py [--runs 25] [--examples 20] [--formula trpo.line_search_backtracks]

25 runs of 20 examples are 500 instances.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rlspec import spec  # noqa: E402
from rlspec.conformance_tests.strategies import Draw, corner_examples, formula_draws  # noqa: E402


def run_draws(formula_id: str, seed: int, examples: int) -> list[dict[str, Any]]:
    """The instances of one default run (no implementation: every instance 'passes')."""
    f = spec.formula(formula_id)
    corners = corner_examples(f, seed, limit=examples)
    raws = [d.raw for d in corners]

    def body(draw: Draw) -> None:
        raws.append(draw.raw)

    test = given(formula_draws(f))(body)
    test = settings(
        max_examples=max(1, examples - len(corners)),
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )(test)
    hypothesis_seed(zlib.crc32(f"{seed}:{f.id}".encode()))(test)()
    return raws


def properties(raw: dict[str, Any]) -> dict[str, bool]:
    theta, P, mu = np.array(raw["theta"]), np.array(raw["P"]), np.array(raw["mu"])
    states, actions = theta.shape
    shifted = theta - theta.max(axis=1, keepdims=True)
    log_pi = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    reached = mu > 0
    edges = (P > 0).any(axis=1)
    if raw["gamma"] > 0:
        for _ in range(states):
            reached = reached | (reached[:, None] & edges).any(axis=0)
    return {
        "one action": actions == 1,
        "one state": states == 1,
        "uniform policy (|A| >= 2)": actions >= 2 and bool(np.all(np.ptp(theta, axis=1) == 0)),
        "gamma = 0.999": raw["gamma"] == 0.999,
        "some log pi < -20": bool((log_pi < -20).any()),
        "mu = 0 on a reached state": bool((reached & (mu == 0)).any()),
        "an unreachable state": bool((~reached).any()),
        ">= 3 states and >= 2 actions": states >= 3 and actions >= 2,
    }


def main() -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--formula", default="trpo.line_search_backtracks")
    args = parser.parse_args()
    rows = [properties(r) for seed in range(args.runs) for r in run_draws(args.formula, seed, args.examples)]
    print(f"{len(rows)} instances of {args.formula} ({args.runs} default runs of {args.examples} examples)")
    for name in rows[0]:
        share = sum(r[name] for r in rows) / len(rows)
        print(f"  {name:<30} {100 * share:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
