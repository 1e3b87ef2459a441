"""Time `rlspec grade SUBMISSIONS_DIR` on a generated class, with the wall (bubblewrap) up.

    .venv/bin/python benchmarks/grade_class.py         # 200 students, jobs = cores (rlspec installed)
    .venv/bin/python benchmarks/grade_class.py --students 40 --jobs 2

The class is built round-robin from templates: honest (numpy; scipy imported at module level),
partial (one formula missing, one wrong), and hostile (tests/grading/submissions: constant
answers, a sub-interpreter, aliased extension modules, cross-formula memory, neighbours, stack
walking, a crash, a hang). The grading file: 5 formulas of np_mdp.py, 2 points each, 3 visible
and 5 hidden cases each (hidden pool 4 x 5). Prints per template the students, the score range
and the mean seconds per student, then the wall time of the one command.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HONEST = (ROOT / "conformance_tests" / "examples" / "np_mdp.py").read_text()
ATTACKS = ROOT / "tests" / "grading" / "submissions"
FORMULAS = ("mdp.v", "mdp.q", "mdp.advantage", "pg.objective", "pg.gradient")
CONFIG = """
[grading]
title = "benchmark class"
time_limit = 5.0
import_time_limit = 30.0

[visible]
seed = 2024
count = 3

[hidden]
seed = 81726354
count = 5
""" + "".join(f'\n[[formula]]\nid = "{f}"\npoints = 2\n' for f in FORMULAS)


def templates() -> dict[str, str]:
    scipy = HONEST.replace("import numpy as np", "import numpy as np\nimport scipy.linalg", 1)
    scipy = scipy.replace("np.linalg.solve", "scipy.linalg.solve")
    partial = HONEST.replace("def pg_gradient(", "def _pg_gradient_unused(")
    partial = partial.replace(
        "def mdp_advantage(P: Array, R: Array, gamma: float, theta: Array) -> Array:\n",
        "def mdp_advantage(P: Array, R: Array, gamma: float, theta: Array) -> Array:\n"
        "    return 1.0 + _advantage(P, R, gamma, theta)\n\n\n"
        "def _advantage(P: Array, R: Array, gamma: float, theta: Array) -> Array:\n",
    )
    out = {"honest numpy": HONEST, "honest scipy": scipy, "partial": partial}
    for name in (
        "constant",
        "subinterpreter",
        "aliased_extension",
        "cross_formula_memory",
        "neighbours",
        "stack_walk",
        "crash",
        "hang",
    ):
        text = (ATTACKS / f"{name}.py").read_text()
        for key in ("__CONFIG__", "__REPORT__", "__VICTIM__", "__SECRET__"):
            text = text.replace(key, "/nonexistent/" + key.strip("_").lower())
        out[name] = text.replace("__RLSPEC_ROOT__", str(ROOT))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    kinds = templates()
    names = list(kinds)
    with tempfile.TemporaryDirectory(prefix="rlspec-class-") as tmp:
        folder, out, config = Path(tmp) / "submissions", Path(tmp) / "grades", Path(tmp) / "grading.toml"
        folder.mkdir()
        config.write_text(CONFIG)
        kind_of = {}
        for i in range(args.students):
            kind = names[i % len(names)]
            kind_of[f"s{i:03d}"] = kind
            (folder / f"s{i:03d}.py").write_text(kinds[kind])
        argv = [
            sys.executable,
            "-m",
            "rlspec.cli",
            "grade",
            str(folder),
            "--config",
            str(config),
            "--out",
            str(out),
            "--jobs",
            str(args.jobs),
            "--quiet",
        ]
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        rows = json.loads((out / "gradebook.json").read_text())["students"]
    print(
        f"{args.students} submissions, {len(FORMULAS)} formulas x (3 visible + 5 hidden) cases, "
        f"{args.jobs} at a time, {os.cpu_count()} cores"
    )
    print(f"{'template':<22}{'students':>9}{'min':>7}{'max':>7}{'s/student':>11}")
    for kind in names:
        mine = [r for r in rows if kind_of[r["student"]] == kind]
        scores = [r["score"] for r in mine]
        seconds = statistics.mean(r["seconds"] for r in mine)
        print(f"{kind:<22}{len(mine):>9}{min(scores):>7.2f}{max(scores):>7.2f}{seconds:>11.2f}")
    print(f"one command, wall time: {wall:.1f} s ({wall / args.students:.2f} s per submission)")
    print(done.stdout.strip().splitlines()[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
