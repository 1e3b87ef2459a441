"""`rlspec conform IMPL`: run every registered formula the implementation defines against the
oracle on hypothesis-drawn instances, shrink failures, write reports.

Exit status: 0 when at least one formula is implemented and every implemented formula conforms;
1 when something does not conform (or nothing is implemented); 2 on a usage error (unknown
module or file, a --formulas pattern matching nothing, a bad option).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from hypothesis import configuration as hypothesis_configuration

from rlspec.conformance_tests import html_report, reports
from rlspec.conformance_tests.expectations import apply_xfails, read_xfails
from rlspec.conformance_tests.plans import PlanStore
from rlspec.conformance_tests.precision import FLOAT64, profile
from rlspec.conformance_tests.results import FormulaResult, exit_status
from rlspec.conformance_tests.selection import registry, select
from rlspec.conformance_tests.session import (
    DEFAULT_EXAMPLES,
    DEFAULT_IMPORT_TIMEOUT,
    DEFAULT_OUT,
    DEFAULT_SEED,
    DEFAULT_TIMEOUT,
    Session,
)
from rlspec.conformance_tests.sources import ExpectedSource, LiveOracle, vectors_source
from rlspec.conformance_tests.worker import ImplementationError
from rlspec.oracle.cache import OracleCache, cache_directory
from rlspec.oracle.errors import UsageError, UsageErrorParser


def build_parser() -> argparse.ArgumentParser:
    p = UsageErrorParser(prog="rlspec conform", description="Check an implementation against the oracle.")
    p.add_argument("impl", help="module name or path to a .py file defining the adapter functions")
    p.add_argument(
        "--formulas",
        action="append",
        metavar="GLOB",
        help="only these ids (glob; comma-separated; '!GLOB' excludes, e.g. '*,!soft.*')",
    )
    p.add_argument(
        "--require",
        action="append",
        metavar="GLOB",
        help="these ids must be implemented: not implemented is a failure (glob; comma-separated)",
    )
    p.add_argument(
        "--examples", type=int, default=DEFAULT_EXAMPLES, help=f"instances per formula ({DEFAULT_EXAMPLES})"
    )
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="seed of the run (same seed, same instances)"
    )
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds allowed per call")
    p.add_argument(
        "--import-timeout",
        type=float,
        default=DEFAULT_IMPORT_TIMEOUT,
        help=f"seconds allowed for importing the adapter and its library ({DEFAULT_IMPORT_TIMEOUT:g})",
    )
    p.add_argument(
        "--stable-shapes",
        action="store_true",
        help="draw each size from 3 per run (smallest, largest, one by seed): fewer jit compilations",
    )
    add_report_options(p)
    return p


def add_report_options(p: argparse.ArgumentParser) -> None:
    """Where results go, and how expected values are obtained."""
    p.add_argument("--json", metavar="FILE", help="write a JSON report")
    p.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    p.add_argument("--html", metavar="FILE", help="write a self-contained HTML report with plots")
    p.add_argument("--gradescope", metavar="FILE", help="write a Gradescope results.json")
    p.add_argument(
        "--xfails",
        metavar="FILE",
        help="known deviations (TOML or JSON: id, reason, link): reported, not failing the run",
    )
    p.add_argument("--weights", metavar="FILE", help="grading file: JSON {glob: points} for --gradescope")
    p.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT), help="where failures' repro files go")
    p.add_argument(
        "--vectors", metavar="DIR", help="expected values from stored vectors, not the live oracle"
    )
    p.add_argument("--dps", type=int, default=40, help="oracle digits (40)")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the oracle's answers and passing runs' instances in ~/.cache/rlspec",
    )
    p.add_argument(
        "--dtype",
        default="float64",
        metavar="PROFILE",
        help="precision profile: float64 (default) or float32 (float32 inputs, tolerances in eps32)",
    )
    p.add_argument(
        "--quiet", action="store_true", help="no progress lines (the adapter's own output goes to a log file)"
    )


def run(args: argparse.Namespace) -> tuple[list[FormulaResult], Session]:
    """Check the chosen formulas one by one (progress lines on stderr unless --quiet)."""
    if args.examples < 1:
        raise UsageError("--examples must be >= 1")
    if args.timeout <= 0:
        raise UsageError("--timeout must be > 0")
    if args.import_timeout <= 0:
        raise UsageError("--import-timeout must be > 0")
    chosen = select(args.formulas)
    required = select(args.require, "--require") if args.require else []
    precision = profile(args.dtype)
    xfails = read_xfails(args.xfails, [f.id for f in registry()]) if args.xfails else {}
    if args.vectors and precision is not FLOAT64:
        raise UsageError("--vectors: stored vectors are float64 instances; use the live oracle with --dtype")
    live = LiveOracle(args.dps, precision.eps, None if args.no_cache else OracleCache(), defer=True)
    source: ExpectedSource = vectors_source(args.vectors) if args.vectors else live
    session = Session(
        args.impl,
        examples=args.examples,
        seed=args.seed,
        timeout=args.timeout,
        source=source,
        out_dir=Path(args.out),
        required=required,
        profile=precision,
        stable_shapes=args.stable_shapes,
        import_timeout=args.import_timeout,
        plans=None if args.no_cache or args.vectors else PlanStore(),
    )
    try:
        session.start()
    except ImplementationError as exc:
        raise UsageError(str(exc)) from None
    results: list[FormulaResult] = []
    try:
        width = max((len(f.id) for f in chosen), default=10)
        for i, f in enumerate(chosen, 1):
            result = session.check(f)
            results.append(result)
            if not args.quiet:
                print(reports.progress_line(i, len(chosen), result, width), file=sys.stderr, flush=True)
    finally:
        session.close()
    apply_xfails(results, xfails)
    return results, session


@contextlib.contextmanager
def private_hypothesis_home() -> Iterator[None]:
    """Keep hypothesis's files (.hypothesis/) out of the user's working directory."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    previous = getattr(hypothesis_configuration, "__hypothesis_home_directory", None)
    with tempfile.TemporaryDirectory(prefix="rlspec-hypothesis-") as home:
        hypothesis_configuration.set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            hypothesis_configuration.set_hypothesis_home_dir(previous)


def write_reports(args: argparse.Namespace, results: list[FormulaResult], meta: dict[str, object]) -> None:
    """The table on stdout and the report files the options ask for."""
    print(reports.table(results, meta))
    if meta.get("adapter_log"):
        print(f"the implementation's own output (stdout, stderr): {meta['adapter_log']}")
    if args.json:
        reports.write_json(Path(args.json), results, meta)
    if args.junit:
        reports.write_junit(Path(args.junit), results, meta)
    if args.html:
        html_report.write_html(Path(args.html), results, meta)
    if args.gradescope:
        weights = reports.read_weights(Path(args.weights)) if args.weights else {}
        reports.write_gradescope(Path(args.gradescope), results, meta, weights)


def cache_use(session: Session) -> dict[str, object] | None:
    """What the run took from the persistent cache (None with --no-cache or --vectors): the
    formulas whose earlier passing run was replayed, and the oracle answers read or computed."""
    source = session.source
    if session.plans is None or not isinstance(source, LiveOracle) or source.persistent is None:
        return None
    return {
        "directory": str(cache_directory()),
        "replayed": list(session.replayed),
        "answers_read": source.persistent.hits,
        "answers_computed": source.persistent.misses,
    }


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        started = time.perf_counter()
        with private_hypothesis_home():
            results, session = run(args)
        status = exit_status(results)
        meta: dict[str, object] = {
            "impl": args.impl,
            "seed": args.seed,
            "examples": args.examples,
            "timeout": args.timeout,
            "profile": session.profile.name,
            "stable_shapes": session.stable_shapes,
            "source": session.source.name,
            "seconds": round(time.perf_counter() - started, 3),
            "exit_status": status,
            "domains": session.domains.describe(),
            "xfails": args.xfails,
            "adapter_log": None if session.adapter_log() is None else str(session.adapter_log()),
            "cache": cache_use(session),
        }
        write_reports(args, results, meta)
        return status
    except UsageError as exc:
        print(f"rlspec conform: {exc}", file=sys.stderr)
        return 2
