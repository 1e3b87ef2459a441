"""A jit-compiling library's run with and without --stable-shapes (issue 14, item 6).

    python3 benchmarks/jit_shapes.py --python /tmp/libs-venv/bin/python [--adapter rlax] [--seeds 0,1,2]

Runs `rlspec conform rlspec.adapters.ADAPTER` per seed, once drawing every size freely and once
with --stable-shapes (sizes from 3 per run), and prints the wall time, the formulas' time as the
suite measured them (jax compiles once per input shape) and the verdicts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def run(python: str, adapter: str, seed: int, stable: bool, scratch: Path) -> dict[str, Any]:
    report = scratch / f"{adapter}-{seed}-{stable}.json"
    command = [python, "-m", "rlspec", "conform", f"rlspec.adapters.{adapter}", "--seed", str(seed)]
    command += ["--quiet", "--json", str(report), "--out", str(scratch / "out")]
    if stable:
        command.append("--stable-shapes")
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    doc: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    checked = [f for f in doc["formulas"] if f["status"] not in ("not_implemented", "skipped")]
    return {
        "wall": wall,
        "formulas": len(checked),
        "pass": sum(f["status"] == "pass" for f in checked),
        "formula_seconds": sum(f["seconds"] for f in checked),
        "other": [f"{f['id']}: {f['message'][:100]}" for f in checked if f["status"] != "pass"],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--python", default=sys.executable, help="interpreter with the library installed")
    p.add_argument("--adapter", default="rlax")
    p.add_argument("--seeds", default="0,1,2")
    args = p.parse_args(argv)
    print(f"{'seed':>4}  {'shapes':<7}  {'wall s':>7}  {'formula s':>9}  pass/formulas")
    with tempfile.TemporaryDirectory(prefix="rlspec-jit-") as scratch:
        for seed in (int(s) for s in args.seeds.split(",")):
            for stable in (False, True):
                r = run(args.python, args.adapter, seed, stable, Path(scratch))
                label = "stable" if stable else "free"
                print(
                    f"{seed:>4}  {label:<7}  {r['wall']:>7.1f}  {r['formula_seconds']:>9.1f}"
                    f"  {r['pass']}/{r['formulas']}"
                )
                for line in r["other"]:
                    print(f"      not passing: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
