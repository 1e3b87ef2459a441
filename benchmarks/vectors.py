"""Timings of the vector commands on the committed set (vectors/v2), as a table:

    python benchmarks/vectors.py

build (into a temporary directory), verify (sampled, the default), verify --all, and
`rlspec conform --vectors` on the bundled example implementation.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "conformance_tests/examples/numpy_impl.py"


def timed(*argv: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rlspec", *argv], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        commands = [
            ("rlspec vectors build (8 cases x every formula, 50 digits)", ("vectors", "build", "--dir", tmp)),
            ("rlspec vectors verify (hashes + 12 sampled recomputations)", ("vectors", "verify")),
            ("rlspec vectors verify --all", ("vectors", "verify", "--all")),
            ("rlspec conform EXAMPLE --vectors vectors/v2", ("conform", EXAMPLE, "--vectors", "vectors/v2")),
        ]
        rows = [(name, timed(*argv, "--quiet")) for name, argv in commands]
    width = max(len(name) for name, _ in rows)
    print(f"{'command':<{width}}  seconds (wall, one process)")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:7.2f}")


if __name__ == "__main__":
    main()
