"""Time the default `rlspec conform` on the bundled example, and measure the mutant kill rate.

    python3 benchmarks/conform.py                 # wall time of the default run, slowest formulas
    python3 benchmarks/conform.py --seeds 5       # the same on seeds 0..4 (each must exit 0)
    python3 benchmarks/conform.py --cache         # seed 0 twice with one persistent cache: cold, then warm
    python3 benchmarks/conform.py --mutants       # kill rate of every mutant (default settings, seeds 0, 1)
    python3 benchmarks/conform.py --mutants --write   # ... and update the kill-rate table in CONFORMANCE.md

Target: the default run (every registered formula) under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import runpy
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "conformance_tests" / "examples" / "numpy_impl.py"
MUTANTS = ROOT / "conformance_tests" / "mutants"
DOC = ROOT / "CONFORMANCE.md"
sys.path.insert(0, str(ROOT))
BEGIN, END = "<!-- BEGIN GENERATED: kill-rate -->", "<!-- END GENERATED: kill-rate -->"


def cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def conform(impl: Path, *extra: str, cache: Path | None = None) -> tuple[int, float, dict[str, Any]]:
    """One run; the oracle's persistent cache is a fresh (cold) one unless `cache` is given."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RLSPEC_CACHE_DIR": str(cache or Path(tmp) / "cache")}
        report = Path(tmp) / "report.json"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "rlspec", "conform", str(impl), "--quiet", "--json", str(report),
             "--out", str(Path(tmp) / "out"), *extra],
            cwd=ROOT, capture_output=True, text=True, env=env,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        doc = json.loads(report.read_text()) if report.exists() else {}
    if done.returncode == 2:
        sys.exit(done.stderr.strip())
    return done.returncode, elapsed, doc


def timing(seeds: int, examples: str | None) -> int:
    worst = 0
    for seed in range(seeds):
        extra = ["--seed", str(seed)] + (["--examples", examples] if examples else [])
        cpu = cpu_seconds()
        status, elapsed, doc = conform(EXAMPLE, *extra)
        cpu = cpu_seconds() - cpu
        rows = doc.get("formulas", [])
        assert isinstance(rows, list)
        bad = [r["id"] for r in rows if r["status"] != "pass"]
        print(f"seed {seed}: exit {status}, {len(rows)} formulas, {elapsed:.1f} s wall, {cpu:.1f} CPU s"
              + (f"; not passing: {', '.join(bad)}" if bad else ""))  # fmt: skip
        if seed == 0:
            slow = sorted(rows, key=lambda r: -float(r["seconds"]))[:5]
            print("  slowest: " + ", ".join(f"{r['id']} {float(r['seconds']):.2f} s" for r in slow))
        worst = max(worst, status)
    return worst


def cache_timing() -> int:
    """The default run of seed 0 twice with one persistent cache: the oracle's answers
    (oracle/cache.py) and the passing formulas' plans (conformance_tests/plans.py)."""
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as cache:
        seconds, checked = [], []
        for label in ("cold (empty cache)", "warm (same seed again)"):
            cpu = cpu_seconds()
            status, elapsed, doc = conform(EXAMPLE, "--seed", "0", cache=Path(cache))
            cpu = cpu_seconds() - cpu
            seconds.append((elapsed, cpu))
            checked.append([(r["id"], r["status"], r["instances"]) for r in doc.get("formulas", [])])
            print(f"{label}: exit {status}, {elapsed:.1f} s wall, {cpu:.1f} CPU s", flush=True)
    (wall0, cpu0), (wall1, cpu1) = seconds
    print(f"second run: {wall0 / wall1:.1f}x faster (wall), {cpu0 / cpu1:.1f}x (CPU)")
    same = checked[0] == checked[1]  # the warm run must check the very instances of the cold one
    print("same instances and verdicts in both runs: " + ("yes" if same else "NO"))
    return 0 if same else 1


KILL_SEEDS = (0, 1)  # the kill rate is measured at the default settings on these seeds


def mutant_row(path: Path) -> tuple[str, tuple[str, ...], list[bool], str, str]:
    """(name, KILLS, killed on each of KILL_SEEDS, verdict text, the bug) for one mutant file."""
    namespace = runpy.run_path(str(path))
    kills = tuple(namespace["KILLS"])
    killed = [rejected(path, kills, "--seed", str(seed)) for seed in KILL_SEEDS]
    verdict = " / ".join("yes" if k else "**no**" for k in killed)
    if not all(killed) and namespace.get("EXAMPLES"):
        more, seed = str(namespace["EXAMPLES"]), str(namespace.get("SEED", 0))
        if rejected(path, kills, "--examples", more, "--seed", seed):
            verdict += f"; yes with `--examples {more}" + (f" --seed {seed}`" if seed != "0" else "`")
    if namespace.get("HIDDEN"):
        verdict += "; hidden: " + str(namespace["HIDDEN"]).replace("|", "\\|")
    doc_line = " ".join((namespace.get("__doc__") or "").split()).removeprefix("One realistic bug: ")
    return path.stem, kills, killed, verdict, doc_line.replace("|", "\\|")


def kill_rate(write: bool) -> int:
    paths = sorted(p for p in MUTANTS.glob("*__*.py") if not p.name.startswith("_"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = list(pool.map(mutant_row, paths))
    for name, kills, killed, _, _ in rows:
        on = [str(s) for s, k in zip(KILL_SEEDS, killed, strict=True) if k]
        word = "killed  " if all(killed) else "SURVIVES"
        print(f"{word} {name}: {', '.join(kills)} (seeds {', '.join(on) or 'none'})", flush=True)
    counts = [sum(1 for r in rows if r[2][i]) for i in range(len(KILL_SEEDS))]
    rates = ", ".join(f"seed {s}: **{c} of {len(rows)}**" for s, c in zip(KILL_SEEDS, counts, strict=True))
    print(f"kill rate at the default settings: {rates}".replace("**", ""))
    if write:
        seeds = " / ".join(f"seed {s}" for s in KILL_SEEDS)
        lines = [
            "Kill rate at the default settings (`rlspec conform MUTANT --formulas KILLS --seed N`, "
            f"20 instances per formula): {rates} mutants rejected.",
            "",
            f"| mutant | formulas | killed ({seeds}) | the bug |",
            "|---|---|---|---|",
        ]
        lines += [f"| `{m}` | {', '.join(f'`{k}`' for k in ks)} | {verdict} | {d} |"
                  for m, ks, _, verdict, d in rows]  # fmt: skip
        text = DOC.read_text()
        block = BEGIN + "\n" + "\n".join(lines) + "\n" + END
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
        DOC.write_text(text)
        print(f"wrote {DOC}")
    return 0


def rejected(path: Path, kills: tuple[str, ...], *extra: str) -> bool:
    """Exit 1 with every id of KILLS failing."""
    status, _, doc = conform(path, "--formulas", ",".join(kills), *extra)
    results = {r["id"]: r for r in doc.get("formulas", [])}
    return status == 1 and all(results.get(k, {}).get("status") == "fail" for k in kills)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--examples", default=None, help="override the default example count")
    parser.add_argument("--mutants", action="store_true")
    parser.add_argument("--cache", action="store_true", help="cold vs warm persistent oracle cache")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if args.mutants:
        return kill_rate(args.write)
    if args.cache:
        return cache_timing()
    return timing(args.seeds, args.examples)


if __name__ == "__main__":
    sys.exit(main())
