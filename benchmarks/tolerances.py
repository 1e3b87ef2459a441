"""Measure each formula's tolerance against correct float64 implementations: the worst error of
the bundled example (conformance_tests/examples/numpy_impl.py) and of the independent one
(tests/conformance/impls/independent.py, written from the public docs only, computing by other
routes) over default runs (every hard corner plus drawn instances) on seeds 0..N-1.

    python benchmarks/tolerances.py [--seeds 30] [--formulas GLOB] [--jobs 2] [--store FILE]
    python benchmarks/tolerances.py --seeds 30 --write    # ... and update CONFORMANCE.md
    python benchmarks/tolerances.py --load FILE --write   # the table from the runs stored in FILE

--store FILE appends each finished run to FILE (JSON lines) and skips the runs already there, so
an interrupted measurement resumes.

The table gives, per formula, the tolerance (factor, in units of eps64 * scale), the worst
error of a correct implementation (units), their ratio (target: <= 100, the tolerance follows
the formula's conditioning), and the false rejections (runs of a correct implementation that
failed; target 0). --write replaces the region "tolerance-measurement" of CONFORMANCE.md;
tests/spec/test_tolerance_table.py checks that the region matches the registry's tolerances.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rlspec import spec  # noqa: E402

IMPLS = {
    "example": ROOT / "conformance_tests" / "examples" / "numpy_impl.py",
    "independent": ROOT / "tests" / "conformance" / "impls" / "independent.py",
}
DOC = ROOT / "CONFORMANCE.md"
REGION = "tolerance-measurement"
TARGET_RATIO = 100.0

Row = tuple[str, str, float | None, str]  # (formula id, status, worst units, failure message)


def one_run(impl: str, seed: int, ids: tuple[str, ...]) -> list[Row]:
    """A default run of `impl` on `seed` over the formulas `ids` (in a child process)."""
    from rlspec.conformance_tests.session import Session

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, Session(impl, seed=seed, out_dir=Path(tmp)) as session:
        for formula_id in ids:
            r = session.check(spec.formula(formula_id))
            units = r.peak
            if r.failure is not None and r.failure.units is not None:
                units = max(units or 0.0, r.failure.units)
            rows.append((formula_id, r.status, units, r.message.splitlines()[0] if r.message else ""))
    return rows


@dataclass
class Measured:
    worst: float = 0.0
    worst_by: str = ""
    runs: int = 0
    rejections: list[str] = field(default_factory=list)


Run = tuple[str, int, list[Row]]  # (implementation name, seed, its rows)


def measure(seeds: int, ids: tuple[str, ...], jobs: int, store: Path | None) -> list[Run]:
    """Every (implementation, seed) run, those already in `store` read back, the others run (and
    appended to `store` as they finish)."""
    runs = load(store) if store is not None and store.exists() else []
    done = {(name, seed) for name, seed, _ in runs}
    tasks = [(n, str(p), s) for s in range(seeds) for n, p in IMPLS.items() if (n, s) not in done]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [(name, seed, pool.submit(one_run, path, seed, ids)) for name, path, seed in tasks]
        for name, seed, future in futures:
            rows = future.result()
            runs.append((name, seed, rows))
            if store is not None:
                with store.open("a", encoding="utf-8") as out:
                    out.write(json.dumps({"impl": name, "seed": seed, "rows": rows}) + "\n")
            print(f"{name} seed {seed} done", file=sys.stderr, flush=True)
    return runs


def load(store: Path) -> list[Run]:
    docs = [json.loads(line) for line in store.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(d["impl"], int(d["seed"]), [tuple(r) for r in d["rows"]]) for d in docs]


def summarize(runs: list[Run], ids: tuple[str, ...]) -> dict[str, Measured]:
    out = {i: Measured() for i in ids}
    for name, seed, rows in runs:
        for formula_id, status, units, message in rows:
            m = out.get(formula_id)
            if m is None or status == "not_implemented":
                continue
            m.runs += 1
            if status != "pass":
                m.rejections.append(f"{name} seed {seed}: {message}")
            if units is not None and units > m.worst:
                m.worst, m.worst_by = units, f"{name} seed {seed}"
    return out


def table(measured: dict[str, Measured], seeds: int) -> str:
    lines = [
        f"Worst error of two correct float64 implementations (the bundled example and "
        f"tests/conformance/impls/independent.py) over default runs on {seeds} seeds each "
        f"(every hard corner plus drawn instances), in units of eps64 * scale; the ratio "
        f"tolerance / worst should stay <= {TARGET_RATIO:g}. Written by `python benchmarks/tolerances.py "
        f"--seeds {seeds} --write`.",
        "",
        "| formula | tolerance (units) | scale | worst correct error | tolerance / worst | rejections |",
        "|---|---|---|---|---|---|",
    ]
    for formula_id, m in measured.items():
        t = spec.formula(formula_id).tolerance
        ratio = f"{t.factor / m.worst:.3g}" if m.worst > 0 else "exact"
        worst = f"{m.worst:.3g} ({m.worst_by})" if m.worst > 0 else "0"
        rejections = f"{len(m.rejections)} of {m.runs}"
        lines.append(f"| `{formula_id}` | {t.factor:g} | {t.name} | {worst} | {ratio} | {rejections} |")
    return "\n".join(lines)


def write(body: str) -> None:
    from rlspec.spec.render import replace_region

    DOC.write_text(replace_region(DOC.read_text(), REGION, body))
    print(f"wrote {DOC}", file=sys.stderr)


def recorded() -> dict[str, tuple[float, str]]:
    """formula id -> (tolerance factor, tolerance name) as recorded in CONFORMANCE.md's table."""
    from rlspec.spec.render import region

    text = region(DOC.read_text(), REGION) or ""
    rows = re.findall(r"^\| `([^`]+)` \| ([^ |]+) \| ([^ |]+) \|", text, flags=re.M)
    return {i: (float(factor), name) for i, factor, name in rows}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--formulas", default="*")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--store", type=Path, help="append each run to this JSON-lines file; resume from it")
    parser.add_argument("--load", type=Path, help="only build the table from the runs stored in this file")
    args = parser.parse_args()
    ids = tuple(f.id for f in spec.formulas() if fnmatch.fnmatchcase(f.id, args.formulas))
    runs = load(args.load) if args.load else measure(args.seeds, ids, args.jobs, args.store)
    measured = summarize(runs, ids)
    seeds = len(
        {seed for _, seed, _ in runs if all(((n, seed) in {(a, b) for a, b, _ in runs}) for n in IMPLS)}
    )
    body = table(measured, seeds)
    print(body)
    for formula_id, m in measured.items():
        for r in m.rejections:
            print(f"FALSE REJECTION {formula_id}: {r}", file=sys.stderr)
    if args.write:
        write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
