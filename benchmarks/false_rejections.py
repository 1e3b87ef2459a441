"""False rejections: run the bundled example and the independent implementation over many seeds.

    python3 benchmarks/false_rejections.py                  # seeds 0..29, both implementations
    python3 benchmarks/false_rejections.py --seeds 5 --jobs 2 --keep /tmp/fr   # keep failing instances
    python3 benchmarks/false_rejections.py --load /tmp/fr        # re-print the runs saved by --keep

Both implementations are correct float64 code, so every failure is a candidate false rejection
(or a numerical weakness of that implementation: check it with `rlspec oracle ID --instance`).
The table gives, per formula, the worst error in tolerance units over all seeds for each
implementation (the failing instance's units included), the tolerance, and the failing seeds.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
IMPLS = {
    "example": ROOT / "conformance_tests" / "examples" / "numpy_impl.py",
    "independent": ROOT / "tests" / "conformance" / "impls" / "independent.py",
}


def run_one(name: str, seed: int, keep: Path | None, formulas: str | None) -> dict[str, Any]:
    """One default `rlspec conform` run; returns its JSON report (with the exit status)."""
    subset = ["--formulas", formulas] if formulas else []
    with tempfile.TemporaryDirectory() as tmp:
        out = keep / name / f"seed{seed}" if keep else Path(tmp) / "out"
        report = Path(tmp) / "report.json"
        done = subprocess.run(
            [sys.executable, "-m", "rlspec", "conform", str(IMPLS[name]), "--quiet", "--seed", str(seed),
             "--json", str(report), "--out", str(out), *subset],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        if report.exists():
            doc: dict[str, Any] = json.loads(report.read_text())
        else:  # the JSON writer failed (rlspec's side): read the printed table instead, and say so
            tail = done.stderr.strip().splitlines()[-1:] or [""]
            print(f"{name} seed {seed}: no JSON report (exit {done.returncode}): {tail[0]}", file=sys.stderr)
            doc = {"formulas": parse_table(done.stdout)}
    doc["impl_name"], doc["seed"], doc["exit_status"] = name, seed, done.returncode
    if keep:  # one file per run, so an interrupted benchmark keeps what it measured
        (keep / f"{name}-seed{seed}.json").write_text(json.dumps(doc))
    return doc


ROW = re.compile(r"^(\S+)\s+(pass|FAIL|ERROR|skipped|not implemented)\s+\S+\s+(\S+)\s+\S+\s+([\d.e+-]+) \(")
FAILURE = re.compile(r"^FAIL (\S+) \(")
UNITS = re.compile(r"^\s+max \|got - expected\| = \S+ = (\S+) units")


def parse_table(text: str) -> list[dict[str, Any]]:
    """The formulas of `rlspec conform`'s printed report: status, peak, tolerance, failure units."""
    rows: dict[str, dict[str, Any]] = {}
    failing = None
    for line in text.splitlines():
        if match := ROW.match(line):
            peak = None if match[3] == "-" else float(match[3])
            tolerance = {"factor": float(match[4])}
            rows[match[1]] = {"id": match[1], "status": match[2], "peak_units": peak, "tolerance": tolerance}
        elif match := FAILURE.match(line):
            failing = match[1]
        elif (match := UNITS.match(line)) and failing in rows:
            rows[failing]["failure"] = {"units": float(match[1])}
    return list(rows.values())


def worst_units(entry: dict[str, Any]) -> float:
    """The largest error seen on the formula in this run: passed instances or the failing one."""
    units = [entry.get("peak_units") or 0.0]
    failure = entry.get("failure") or {}
    if isinstance(failure.get("units"), int | float):
        units.append(float(failure["units"]))
    return max(float(u) for u in units)


def summarize(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """formula -> {tolerance, per impl: worst units, its seed, failing seeds}."""
    table: dict[str, dict[str, Any]] = {}
    for run in runs:
        for entry in run["formulas"]:
            row = table.setdefault(entry["id"], {"tolerances": set()})
            row["tolerances"].add(entry["tolerance"]["factor"])
            cell = row.setdefault(run["impl_name"], {"worst": 0.0, "seed": None, "fails": [], "errors": []})
            units = worst_units(entry)
            if units >= cell["worst"]:
                cell["worst"], cell["seed"] = units, run["seed"]
            status = entry["status"].lower()
            if status == "fail":
                cell["fails"].append(run["seed"])
            elif status == "error":  # rlspec's side (e.g. the oracle raised): not a rejection
                cell["errors"].append(run["seed"])
    return table


def print_table(table: dict[str, dict[str, Any]], names: list[str], seeds: int) -> None:
    header = f"{'formula':34} {'tol':>7}"
    for name in names:
        header += f"  {name + ' worst (seed)':>26} {'fails':>5}"
    print(header)
    print("-" * len(header))
    totals = dict.fromkeys(names, 0)
    for formula, row in table.items():
        # a tolerance that changed between runs (the registry being edited) shows as lowest/highest
        low, high = min(row["tolerances"]), max(row["tolerances"])
        tolerance = f"{low:g}" if low == high else f"{low:g}/{high:g}"
        line = f"{formula:34} {tolerance:>7}"
        for name in names:
            cell = row.get(name, {"worst": float("nan"), "seed": "-", "fails": []})
            line += f"  {cell['worst']:>18.3g} ({cell['seed']!s:>3}) {len(cell['fails']):>5}"
            totals[name] += len(cell["fails"])
        print(line)
    print()
    for name in names:
        failing = {f: row[name]["fails"] for f, row in table.items() if row.get(name, {}).get("fails")}
        detail = f": {failing}" if failing else ""
        print(f"{name}: {totals[name]} formula failures over {seeds} seeds{detail}")
        errors = {f: row[name]["errors"] for f, row in table.items() if row.get(name, {}).get("errors")}
        if errors:
            print(f"{name}: ERROR on rlspec's side (not counted as failures): {errors}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=30, help="number of seeds (default 30)")
    parser.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--jobs", type=int, default=2, help="runs in parallel (default 2)")
    parser.add_argument("--impls", default="example,independent", help="comma-separated subset of both")
    parser.add_argument("--keep", type=Path, help="keep failing instances and raw results in this folder")
    parser.add_argument("--formulas", help="a --formulas glob list passed to rlspec conform")
    parser.add_argument("--load", type=Path, help="print the table of the runs saved in a --keep folder")
    args = parser.parse_args()
    names = args.impls.split(",")
    if args.load:
        runs = [json.loads(f.read_text()) for f in sorted(args.load.glob("*-seed*.json"))]
        runs = [run for run in runs if run["impl_name"] in names]
    else:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
        jobs = [(name, seed) for seed in range(args.start, args.start + args.seeds) for name in names]
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            runs = list(pool.map(lambda job: run_one(job[0], job[1], args.keep, args.formulas), jobs))
    print_table(summarize(runs), names, len({run["seed"] for run in runs}))
    crashed = [(run["impl_name"], run["seed"]) for run in runs if not run["formulas"]]
    if crashed:
        print(f"runs without a report (rlspec crashed): {crashed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
