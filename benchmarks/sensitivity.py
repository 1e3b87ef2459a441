"""How small a bug the suite catches: for each formula, the bundled example's output is multiplied
by (1 + r) (entries that are 0 get r * max|output| added), for r = 1e-6, 1e-7, ..., 1e-13, and
the default `rlspec conform` run is repeated from r = 1e-11 (the target: every formula rejects it)
towards smaller r while rejected, or larger r while not. The table gives the smallest r that the
suite rejected (a run fails if any of its instances does).

    python benchmarks/sensitivity.py [--formulas GLOB] [--seed N] [--examples N]
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import io
import json
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rlspec import spec  # noqa: E402
from rlspec.conformance_tests.runner import main as conform  # noqa: E402

LEVELS = (1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13)
TARGET = 1e-11

ADAPTER = """
import numpy as np
from rlspec.conformance_tests.examples import numpy_impl as _impl

def {name}(*args):
    out = np.asarray(_impl.{name}(*args), dtype=np.float64)
    scale = float(np.max(np.abs(out))) if out.size else 0.0
    return np.where(out != 0, out * (1 + {r!r}), {r!r} * scale)
"""


def rejected(formula_id: str, r: float, seed: int, examples: int, tmp: Path) -> bool:
    name = spec.formula(formula_id).adapter_name
    path = tmp / f"perturbed_{name}_{len(list(tmp.iterdir()))}.py"
    path.write_text(ADAPTER.format(name=name, r=r))
    report = tmp / "report.json"
    argv = [str(path), "--formulas", formula_id, "--seed", str(seed), "--examples", str(examples)]
    with contextlib.redirect_stdout(io.StringIO()):
        conform([*argv, "--quiet", "--json", str(report), "--out", str(tmp / "out")])
    rows = json.loads(report.read_text())["formulas"]
    return bool(rows) and rows[0]["status"] == "fail"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--formulas", default="*")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=20)
    args = parser.parse_args()
    ids = [f.id for f in spec.formulas() if fnmatch.fnmatchcase(f.id, args.formulas)]
    print(f"{'formula':<36} smallest relative perturbation rejected (of {', '.join(map(str, LEVELS))})")
    missed = []
    with tempfile.TemporaryDirectory() as tmp:
        for formula_id in ids:
            check = partial(rejected, formula_id, seed=args.seed, examples=args.examples, tmp=Path(tmp))
            smallest = smallest_rejected(check)
            print(f"{formula_id:<36} {smallest if smallest is not None else 'none'}", flush=True)
            if smallest is None or smallest > TARGET:
                missed.append(formula_id)
    print(f"{len(ids) - len(missed)} of {len(ids)} formulas reject r = {TARGET:g}")
    if missed:
        print(f"not: {', '.join(missed)}")


def smallest_rejected(is_rejected: Callable[[float], bool]) -> float | None:
    """The smallest level rejected, walking from TARGET: down while rejected, up while not."""
    start = LEVELS.index(TARGET)
    if is_rejected(TARGET):
        smallest = TARGET
        for r in LEVELS[start + 1 :]:
            if not is_rejected(r):
                break
            smallest = r
        return smallest
    for r in reversed(LEVELS[:start]):
        if is_rejected(r):
            return r
    return None


if __name__ == "__main__":
    main()
