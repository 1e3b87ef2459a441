"""`rlspec conform IMPL`: run every registered formula the implementation defines against the
oracle on hypothesis-drawn instances, shrink failures, write reports.

Exit status: 0 when at least one formula is implemented and every implemented formula conforms;
1 when something does not conform (or nothing is implemented); 2 on a usage error (unknown
module or file, a --formulas pattern matching nothing, a bad option).
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import math
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import configuration as hypothesis_configuration
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky, HypothesisException

from rlspec import spec
from rlspec.conformance_tests.compare import LECTURE, Entry, Outcome, compare, meanings
from rlspec.conformance_tests.repro import write_artifacts
from rlspec.conformance_tests.sources import (
    Expected,
    ExpectedSource,
    LiveOracle,
    instance_key,
    vectors_source,
)
from rlspec.conformance_tests.strategies import Draw, formula_draws
from rlspec.conformance_tests.worker import ImplementationError, Worker, check_exists
from rlspec.oracle.errors import InstanceError, UsageError
from rlspec.spec.formula import Formula, Section

DEFAULT_EXAMPLES = 20
DEFAULT_SEED = 0
DEFAULT_TIMEOUT = 10.0
DEFAULT_OUT = Path("rlspec-report")
SHRINK_BUDGET = 20.0  # seconds of shrinking per failing formula


class _Mismatch(AssertionError):
    pass


@dataclass
class Failure:
    kind: str  # value, nan, shape, raised, bad_output, timeout, crashed, convention, error
    message: str
    entries: list[Entry] = field(default_factory=list)
    raw: dict[str, Any] | None = None
    instance_path: str | None = None
    repro_path: str | None = None
    units: float | None = None


@dataclass
class FormulaResult:
    formula: Formula
    section_key: str
    status: str  # pass, fail, not_implemented, skipped (no stored case), error
    examples: int = 0
    peak: float | None = None
    mean: float | None = None
    convention: str | None = None
    conventions: tuple[str, ...] = ()
    message: str = ""
    seconds: float = 0.0
    failure: Failure | None = None

    @property
    def id(self) -> str:
        return self.formula.id


def loaded_sections() -> list[Section]:
    """The registry's sections, in lecture order."""
    return list(spec.sections())


def registry() -> list[Formula]:
    """Every registered formula in lecture order (the same list as spec.formulas())."""
    return [f for s in loaded_sections() for f in s.formulas]


def registered(formula_id: str) -> Formula:
    for f in registry():
        if f.id == formula_id:
            return f
    raise UsageError(f"unknown formula {formula_id!r} (see `rlspec list`)")


def section_keys() -> dict[str, str]:
    return {f.id: s.key for s in loaded_sections() for f in s.formulas}


def select(patterns: Sequence[str] | None) -> list[Formula]:
    """The registered formulas matching any of the glob patterns (all when none given)."""
    everything = registry()
    if not patterns:
        return everything
    globs = [g.strip() for p in patterns for g in p.split(",") if g.strip()]
    chosen = [f for f in everything if any(fnmatch.fnmatchcase(f.id, g) for g in globs)]
    unmatched = [g for g in globs if not any(fnmatch.fnmatchcase(f.id, g) for f in everything)]
    if unmatched:
        raise UsageError(f"--formulas: {', '.join(unmatched)} matches no formula (see `rlspec list`)")
    return chosen


def instance_inputs(f: Formula, raw: dict[str, Any]) -> dict[str, Any]:
    """The formula's arguments from a JSON-ready instance, as float64 (numpy.float64 scalars)."""
    from fractions import Fraction

    def number(x: Any) -> Any:
        if isinstance(x, list):
            return [number(v) for v in x]
        if isinstance(x, str):
            return float(Fraction(x.replace(" ", "")))
        return float(x)

    out: dict[str, Any] = {}
    for arg in f.args:
        if arg.source.startswith("params."):
            value = raw["params"][arg.source[len("params.") :]]
        else:
            value = raw[arg.source]
        array = np.asarray(number(value), dtype=np.float64)
        out[arg.name] = np.float64(array) if array.ndim == 0 else array
    return out


class Session:
    """One implementation under test: its worker, the expected-value source and the options."""

    def __init__(
        self,
        impl: str,
        *,
        examples: int = DEFAULT_EXAMPLES,
        seed: int = DEFAULT_SEED,
        timeout: float = DEFAULT_TIMEOUT,
        source: ExpectedSource | None = None,
        out_dir: Path = DEFAULT_OUT,
        shrink_budget: float = SHRINK_BUDGET,
        prepare: Callable[[], None] | None = None,
        start_method: str | None = None,
    ) -> None:
        """`prepare` and `start_method` go to the Worker (conformance_tests/worker.py): a hook run
        in the worker before the implementation is imported (resource limits, isolation), and
        the multiprocessing start method."""
        self.impl = impl
        self.examples = examples
        self.seed = seed
        self.timeout = timeout
        self.source: ExpectedSource = source if source is not None else LiveOracle()
        self.out_dir = out_dir
        self.shrink_budget = shrink_budget
        self.worker = Worker(impl, timeout=timeout, prepare=prepare, start_method=start_method)
        self.names: frozenset[str] = frozenset()
        self.sections = section_keys()

    def start(self) -> None:
        """Find and import the implementation (ImplementationError: a usage error)."""
        check_exists(self.impl)
        self.names = self.worker.start()

    def close(self) -> None:
        self.worker.close()

    def __enter__(self) -> Session:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def implemented(self, f: Formula) -> bool:
        return f.adapter_name in self.names

    def check(self, f: Formula) -> FormulaResult:
        started = time.perf_counter()
        key = self.sections.get(f.id, f.prefix)
        if not self.implemented(f):
            return FormulaResult(
                f, key, "not_implemented", message=f"not implemented (no function {f.adapter_name})"
            )
        run = _Run(self, f)
        try:
            cases = self.source.fixed_cases(f)
            if cases is None:
                run.search()
            elif not cases:
                message = f"skipped: {self.source.name} has no case for {f.id}"
                return FormulaResult(f, key, "skipped", message=message)
            else:
                run.replay(cases)
        except _SuiteError as exc:
            result = FormulaResult(f, key, "error", message=str(exc))
        except (ImplementationError, InstanceError) as exc:
            result = FormulaResult(f, key, "error", message=f"{type(exc).__name__}: {exc}")
        else:
            result = run.result(key)
        result.seconds = time.perf_counter() - started
        return result


class _SuiteError(Exception):
    """Something went wrong on rlspec's side (not the implementation's fault)."""


class _Run:
    """The examples of one formula."""

    def __init__(self, session: Session, f: Formula) -> None:
        self.session = session
        self.f = f
        self.units: list[float] = []
        self.matched: list[tuple[str, ...]] = []
        self.failed: dict[str, tuple[Outcome, dict[str, Any], Expected]] = {}
        self.last: str | None = None
        self.first_failure_at: float | None = None
        self.frozen = False

    def evaluate(self, raw: dict[str, Any], expected: Expected) -> Outcome:
        inputs = instance_inputs(self.f, raw)
        result = self.session.worker.call(self.f.adapter_name, [inputs[a.name] for a in self.f.args])
        try:
            return compare(self.f, inputs, expected.value, result)
        except Exception as exc:
            raise _SuiteError(f"suite error comparing {self.f.id}: {type(exc).__name__}: {exc}") from exc

    def expected(self, raw: dict[str, Any]) -> Expected:
        try:
            return self.session.source.expected(self.f, raw)
        except InstanceError:
            reject()  # the oracle refuses this instance (e.g. a required state unreachable)
            raise
        except Exception as exc:
            raise _SuiteError(f"oracle error on {self.f.id}: {type(exc).__name__}: {exc}") from exc

    def one(self, raw: dict[str, Any], expected: Expected | None = None) -> None:
        key = instance_key(self.f, raw)
        if key in self.failed:
            self.last = key
            raise _Mismatch(self.failed[key][0].message)
        if self.frozen:
            return
        if (
            self.first_failure_at is not None
            and time.perf_counter() - self.first_failure_at > self.session.shrink_budget
        ):
            self.frozen = True
            return
        exp = expected if expected is not None else self.expected(raw)
        outcome = self.evaluate(raw, exp)
        if outcome.ok:
            if self.first_failure_at is None:
                self.units.append(outcome.units)
                self.matched.append(outcome.matched)
            return
        self.failed[key] = (outcome, raw, exp)
        self.last = key
        if self.first_failure_at is None:
            self.first_failure_at = time.perf_counter()
        if outcome.hard:
            self.frozen = True
        raise _Mismatch(outcome.message)

    def search(self) -> None:
        s = self.session

        def body(draw: Draw) -> None:
            self.one(draw.raw)

        test = settings(
            max_examples=s.examples,
            deadline=None,
            database=None,
            derandomize=False,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
            print_blob=False,
            verbosity=Verbosity.quiet,
        )(given(formula_draws(self.f))(body))
        test = hypothesis_seed(zlib.crc32(f"{s.seed}:{self.f.id}".encode()))(test)
        try:
            test()
        except (_Mismatch, Flaky):
            pass
        except _SuiteError:
            raise
        except HypothesisException as exc:
            if not self.failed:
                raise _SuiteError(f"could not draw instances for {self.f.id}: {type(exc).__name__}") from exc

    def replay(self, cases: Sequence[Any]) -> None:
        for case in cases:
            try:
                self.one(case.raw, case.expected)
            except _Mismatch:
                return

    def result(self, section_key: str) -> FormulaResult:
        f, s = self.f, self.session
        out = FormulaResult(f, section_key, "pass", examples=len(self.units))
        if self.units:
            out.peak = max(self.units)
            out.mean = sum(self.units) / len(self.units)
        common = _intersection(self.matched)
        out.conventions = tuple(sorted({m for ms in self.matched for m in ms}))
        if self.matched and common:
            order = list(meanings_order(f))
            out.convention = min(common, key=order.index)
        if self.last is not None:
            outcome, raw, exp = self.failed[self.last]
            failure = Failure(outcome.kind, outcome.message, outcome.entries, raw, units=outcome.units)
            instance_path, repro_path = write_artifacts(
                s.out_dir, f, s.impl, raw, outcome, exp.digits, s.source.name
            )
            failure.instance_path, failure.repro_path = str(instance_path), str(repro_path)
            out.status, out.failure, out.message = "fail", failure, outcome.message
        elif self.matched and not common:
            seen = ", ".join(out.conventions)
            message = f"matches different conventions on different instances ({seen}): pick one"
            out.status, out.message, out.failure = "fail", message, Failure("convention", message)
        elif not self.units:
            out.status, out.message = "error", "no instance could be checked"
        return out


def meanings_order(f: Formula) -> tuple[str, ...]:
    return (LECTURE, *(c.name for c in f.conventions))


def _intersection(sets: list[tuple[str, ...]]) -> set[str]:
    if not sets:
        return set()
    common = set(sets[0])
    for s in sets[1:]:
        common &= set(s)
    return common


# ---- command line --------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rlspec conform", description="Check an implementation against the oracle.")
    p.add_argument("impl", help="module name or path to a .py file defining the adapter functions")
    p.add_argument(
        "--formulas", action="append", metavar="GLOB", help="only these ids (glob; comma-separated)"
    )
    p.add_argument(
        "--examples", type=int, default=DEFAULT_EXAMPLES, help=f"instances per formula ({DEFAULT_EXAMPLES})"
    )
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="seed of the run (same seed, same instances)"
    )
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds allowed per call")
    p.add_argument("--json", metavar="FILE", help="write a JSON report")
    p.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    p.add_argument("--gradescope", metavar="FILE", help="write a Gradescope results.json")
    p.add_argument("--weights", metavar="FILE", help="grading file: JSON {glob: points} for --gradescope")
    p.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT), help="where failures' repro files go")
    p.add_argument(
        "--vectors", metavar="DIR", help="expected values from stored vectors, not the live oracle"
    )
    p.add_argument("--dps", type=int, default=40, help="oracle digits (40)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def run(args: argparse.Namespace) -> tuple[list[FormulaResult], Session]:
    if args.examples < 1:
        raise UsageError("--examples must be >= 1")
    if args.timeout <= 0:
        raise UsageError("--timeout must be > 0")
    chosen = select(args.formulas)
    source: ExpectedSource = vectors_source(args.vectors) if args.vectors else LiveOracle(args.dps)
    session = Session(
        args.impl,
        examples=args.examples,
        seed=args.seed,
        timeout=args.timeout,
        source=source,
        out_dir=Path(args.out),
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
                from rlspec.conformance_tests.reports import progress_line

                print(progress_line(i, len(chosen), result, width), file=sys.stderr, flush=True)
    finally:
        session.close()
    return results, session


@contextlib.contextmanager
def _private_hypothesis_home() -> Iterator[None]:
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


def exit_status(results: Sequence[FormulaResult]) -> int:
    implemented = [r for r in results if r.status not in ("not_implemented", "skipped")]
    if not implemented:
        return 1
    return 0 if all(r.status == "pass" for r in implemented) else 1


def main(argv: Sequence[str] | None = None) -> int:
    from rlspec.conformance_tests import reports

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        started = time.perf_counter()
        with _private_hypothesis_home():
            results, session = run(args)
        elapsed = time.perf_counter() - started
        status = exit_status(results)
        meta = {
            "impl": args.impl,
            "seed": args.seed,
            "examples": args.examples,
            "timeout": args.timeout,
            "source": session.source.name,
            "seconds": round(elapsed, 3),
            "exit_status": status,
        }
        print(reports.table(results, meta))
        if args.json:
            reports.write_json(Path(args.json), results, meta)
        if args.junit:
            reports.write_junit(Path(args.junit), results, meta)
        if args.gradescope:
            weights = reports.read_weights(Path(args.weights)) if args.weights else {}
            reports.write_gradescope(Path(args.gradescope), results, meta, weights)
        return status
    except UsageError as exc:
        print(f"rlspec conform: {exc}", file=sys.stderr)
        return 2


def finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


__all__ = ["FormulaResult", "Session", "exit_status", "main", "meanings", "select"]
