"""How the oracle scales with the number of states, with python-flint as an anchor.

    python3 benchmarks/oracle_scale.py                       the table: 50, 100, 200, 400, 800 states
    python3 benchmarks/oracle_scale.py --states 50 200       chosen sizes
    python3 benchmarks/oracle_scale.py --formulas pg.gradient --states 800
    python3 benchmarks/oracle_scale.py --families            each family's slowest formula (default sizes)

Rows: |S| (|A| = 5, gamma = 0.99, dense P, seed 1). Columns: for each formula in SCALING (the
tabular sections' slowest members), the CPU seconds (user + system) and peak memory of a whole
`rlspec oracle ID --instance F --dps 50` process: imports, reading the JSON, validation, the
value, its bounds (per entry) and printing; a process over TIMEOUT seconds is stopped and shown
as "> TIMEOUT". Last column: python-flint's rigorous ball-arithmetic solve (arb, C) of the same
policy evaluation (I - gamma P_pi) V = r_pi at the same precision, in this process: what a C
library takes for the core linear system alone (no per-entry certificate, no I/O).
CPU seconds rather than wall time: the machine is shared (on an idle machine they agree).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rlspec import spec  # noqa: E402
from rlspec.oracle.instance import dumps  # noqa: E402
from rlspec.oracle.sampling import sample_instance  # noqa: E402

# each tabular section's slowest formula at 50 states whose output is O(|S| |A|) (npg.fisher's
# (|S| |A|)^2 entries and soft.reward's |S|^2 |A| are printing benchmarks, not oracle ones)
SCALING = (
    "pg.gradient", "mdp.stationary", "npg.direction", "trpo.conjugate_gradient", "ppo.clip_gradient",
    "soft.policy_star",
)  # fmt: skip
ACTIONS = 5
GAMMA = 0.99
DPS = 50
TIMEOUT = 300.0


def instance_file(formula_id: str, states: int, folder: Path) -> Path:
    """A seeded tabular instance with what `formula_id` needs (params drawn by the suite's sampler)."""
    raw = sample_instance("tabular", 1, {"states": states, "actions": ACTIONS, "gamma": GAMMA},
                          [spec.formula(formula_id)])  # fmt: skip
    path = folder / f"{formula_id}-{states}.json"
    path.write_text(dumps(raw))
    return path


def oracle_process(formula_id: str, path: Path) -> tuple[float, float, bool]:
    """(CPU seconds, peak MB, finished) of one `rlspec oracle` process."""
    command = [sys.executable, "-m", "rlspec", "oracle", formula_id, "--instance", str(path)]
    command += ["--dps", str(DPS)]
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
        started = time.monotonic()
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)  # wait4 (not poll): the child's own rusage
        while pid == 0 and time.monotonic() - started < TIMEOUT:
            time.sleep(0.05)
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        finished = pid != 0
        if not finished:
            child.kill()
            pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if finished and child.returncode != 0:
            errors.seek(0)
            sys.exit(f"{formula_id} on {path.name}: {errors.read().decode().strip()}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, finished


def flint_solve(states: int) -> float:
    """CPU seconds of python-flint's arb solve of (I - gamma P_pi) V = r_pi at DPS digits
    (P_pi and r_pi formed in arb from the exact binary64 P, R and the softmax policy)."""
    from flint import arb, arb_mat, ctx

    raw = sample_instance("tabular", 1, {"states": states, "actions": ACTIONS, "gamma": GAMMA})
    P, R, theta = np.array(raw["P"]), np.array(raw["R"]), np.array(raw["theta"])
    started = time.process_time()
    ctx.prec = int(DPS * 3.33) + 64
    pi = []
    for row in theta.tolist():
        weights = [arb(x).exp() for x in row]
        total = sum(weights, arb(0))
        pi.append([w / total for w in weights])
    p_list = P.tolist()
    system = arb_mat(states, states)
    rhs = arb_mat(states, 1)
    g = arb(GAMMA)
    for s in range(states):
        row = [arb(0)] * states
        reward = arb(0)
        for a in range(ACTIONS):
            w = pi[s][a]
            probabilities, rewards = p_list[s][a], R[s, a].tolist()
            reward += w * sum((arb(p) * arb(r) for p, r in zip(probabilities, rewards, strict=True)), arb(0))
            for t, p in enumerate(probabilities):
                if p:
                    row[t] += w * p
        for t in range(states):
            system[s, t] = (1 if s == t else 0) - g * row[t]
        rhs[s, 0] = reward
    system.solve(rhs)
    return time.process_time() - started


def scaling_table(sizes: list[int], formulas: list[str]) -> None:
    header = ["|S|", *[f"{f} (CPU s, MB)" for f in formulas], "flint arb solve (CPU s)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for states in sizes:
            cells = [str(states)]
            for formula_id in formulas:
                path = instance_file(formula_id, states, Path(tmp))
                seconds, megabytes, finished = oracle_process(formula_id, path)
                cells.append(f"{seconds:.2f}, {megabytes:.0f}" if finished else f"> {TIMEOUT:.0f}")
                path.unlink()
            cells.append(f"{flint_solve(states):.2f}")
            print("| " + " | ".join(cells) + " |", flush=True)


def slowest_per_family() -> None:
    """Every family's slowest formula at the family's default sizes (one instance, seed 1)."""
    from rlspec.oracle.evaluate import evaluate
    from rlspec.oracle.instance import parse

    worst: dict[str, tuple[float, str]] = {}
    for f in spec.formulas():
        instance = parse(dumps(sample_instance(f.family, 1, {}, [f])))
        started = time.process_time()
        evaluate(f.id, instance, DPS)
        seconds = time.process_time() - started
        if seconds > worst.get(f.family, (-1.0, ""))[0]:
            worst[f.family] = (seconds, f.id)
    print("| family | slowest formula | CPU s at 50 digits |")
    print("|---|---|---|")
    for family, (seconds, formula_id) in sorted(worst.items()):
        print(f"| {family} | {formula_id} | {seconds:.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--states", type=int, nargs="+", default=[50, 100, 200, 400, 800])
    parser.add_argument("--formulas", nargs="+", default=list(SCALING))
    parser.add_argument("--families", action="store_true")
    args: Any = parser.parse_args()
    if args.families:
        slowest_per_family()
    else:
        scaling_table(args.states, args.formulas)
    return 0


if __name__ == "__main__":
    sys.exit(main())
