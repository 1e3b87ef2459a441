"""`rlspec grade SUBMISSION --config grading.toml [--gradescope results.json] [--json F]`.

The parent draws the cases (visible from [visible].seed, hidden from [hidden].seed), computes
every expected value with the oracle, sends only the inputs to the sandboxed worker, and alone
compares (conformance_tests.compare: the registry's tolerances and conventions) and scores.

Exit status: 0 when the submission was graded (whatever its score; a submission that does not
even import is graded 0), 2 on a usage error (bad grading file, missing submission).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from rlspec.conformance_tests.compare import LECTURE, Entry, compare
from rlspec.conformance_tests.engine import instance_inputs
from rlspec.conformance_tests.grading import config as grading_config
from rlspec.conformance_tests.grading.config import FormulaSpec, GradingConfig
from rlspec.conformance_tests.grading.sandbox import Limits, SandboxError, SandboxWorker
from rlspec.conformance_tests.selection import registered, section_keys
from rlspec.conformance_tests.sources import Expected, LiveOracle
from rlspec.conformance_tests.strategies import build, family_options
from rlspec.conformance_tests.worker import CallResult
from rlspec.oracle.errors import InstanceError, UsageError
from rlspec.spec.formula import Formula

MAX_RESTARTS = 3  # worker endings (crash, exit, protocol) per formula before its other cases are skipped


@dataclass(frozen=True)
class Case:
    label: str
    hidden: bool
    seed: int
    options: dict[str, Any]
    raw: dict[str, Any]
    expected: Expected


@dataclass
class CaseResult:
    case: Case
    passed: bool
    kind: str  # ok, value, nan, shape, raised, bad_output, exit, timeout, crashed, protocol, skipped
    message: str = ""
    units: float | None = None
    entries: list[Entry] = field(default_factory=list)
    seconds: float = 0.0
    violations: list[str] = field(default_factory=list)
    matched: tuple[str, ...] = ()  # the meanings (lecture, declared conventions) within tolerance


@dataclass
class FormulaGrade:
    formula: Formula
    section_key: str
    spec: FormulaSpec
    status: str  # pass, partial, fail, not_implemented, forbidden, import_error, error
    visible_max: Fraction = Fraction(0)
    hidden_max: Fraction = Fraction(0)
    visible_score: Fraction = Fraction(0)
    hidden_score: Fraction = Fraction(0)
    results: list[CaseResult] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    convention: str | None = None  # the meaning its passing cases share (formulas with conventions)

    @property
    def id(self) -> str:
        return self.formula.id

    @property
    def score(self) -> Fraction:
        return self.visible_score + self.hidden_score

    def part(self, hidden: bool) -> list[CaseResult]:
        return [r for r in self.results if r.case.hidden == hidden]


class GradingError(UsageError):
    pass


# ---- cases --------------------------------------------------------------------------------------


def draw_cases(
    f: Formula, spec: FormulaSpec, seed: int, count: int, hidden: bool, source: LiveOracle
) -> list[Case]:
    """`count` instances of the formula's family, reproducible from the seed; each with the
    oracle's value. Options within the family's ranges, narrowed by the grading file's."""
    sizes, choices = family_options(f.family)
    kind = "hidden" if hidden else "visible"
    rng = random.Random(zlib.crc32(f"{kind}:{seed}:{f.id}".encode()))
    out: list[Case] = []
    attempts = 0
    while len(out) < count:
        attempts += 1
        if attempts > 20 * count + 20:
            raise GradingError(f"could not draw {count} {kind} cases for {f.id} with these options")
        options: dict[str, Any] = {}
        for name, (lo, hi) in sizes.items():
            a, b = spec.options.get(name, (lo, hi))
            options[name] = rng.randint(int(a), int(b))
        for name, values in choices.items():
            options[name] = rng.choice(tuple(spec.options.get(name, values)))
        instance_seed = rng.randrange(2**32)
        built = build(f.family, instance_seed, options, (f,))
        if built is None:
            continue
        raw, used = built
        try:
            expected = source.expected(f, raw)
        except InstanceError:
            continue
        out.append(Case(f"{kind} case {len(out) + 1}", hidden, instance_seed, used, raw, expected))
    return out


# ---- scoring ------------------------------------------------------------------------------------


def part_maxima(spec: FormulaSpec, cfg: GradingConfig) -> tuple[Fraction, Fraction]:
    """(points of the visible cases, points of the hidden cases) of one formula."""
    points = Fraction(str(spec.points))
    if spec.hidden == 0:
        return points, Fraction(0)
    if spec.visible == 0:
        return Fraction(0), points
    if cfg.hidden_share is None:
        visible = points * spec.visible / (spec.visible + spec.hidden)
    else:
        visible = points * (1 - Fraction(str(cfg.hidden_share)))
    return visible, points - visible


def earned(maximum: Fraction, passed: int, total: int, partial: bool) -> Fraction:
    if total == 0:
        return Fraction(0)
    if partial:
        return maximum * passed / total
    return maximum if passed == total else Fraction(0)


# ---- the run ------------------------------------------------------------------------------------


class Grader:
    def __init__(self, cfg: GradingConfig, submission: Path, forbid: Sequence[str | Path] = ()) -> None:
        self.cfg = cfg
        self.submission = submission
        self.source = LiveOracle(cfg.dps)
        limits = Limits(
            time_limit=cfg.time_limit,
            import_time_limit=cfg.import_time_limit,
            memory_mb=cfg.memory_limit_mb,
            cpu_seconds=cfg.cpu_limit,
            file_size=cfg.file_size_limit,
        )
        extra = [cfg.path, cfg.path.parent, *cfg.forbid, *forbid]
        self.worker = SandboxWorker(
            submission,
            limits,
            forbid=extra,
            preload=cfg.preload,
            allow_ctypes=cfg.allow_ctypes,
            user=cfg.user,
        )
        self.sections = section_keys()
        self.import_error: str | None = None

    def run(self, progress: bool = False) -> list[FormulaGrade]:
        grades: list[FormulaGrade] = []
        try:
            try:
                self.worker.start()
            except SandboxError as exc:
                self.import_error = str(exc)
            for i, spec in enumerate(self.cfg.formulas, 1):
                try:
                    g = self.grade(spec)
                except UsageError:
                    raise
                except Exception as exc:  # rlspec's fault, not the submission's: say so, go on
                    f = registered(spec.id)
                    g = FormulaGrade(f, self.sections.get(f.id, f.prefix), spec, "error")
                    g.visible_max, g.hidden_max = part_maxima(spec, self.cfg)
                    what = f"{type(exc).__name__}: {exc}"[:240]
                    g.message = f"grader error (not the submission's fault): {what}"
                grades.append(g)
                if progress:
                    print(
                        f"[{i}/{len(self.cfg.formulas)}] {g.id}: {float(g.score):g} of {spec.points:g} "
                        f"({g.status}, {g.seconds:.1f} s)",
                        file=sys.stderr,
                        flush=True,
                    )
        finally:
            self.worker.close()
        return grades

    def grade(self, spec: FormulaSpec) -> FormulaGrade:
        started = time.perf_counter()
        f = registered(spec.id)
        g = FormulaGrade(f, self.sections.get(f.id, f.prefix), spec, "fail")
        g.visible_max, g.hidden_max = part_maxima(spec, self.cfg)
        if self.import_error is not None:
            g.status, g.message = "import_error", self.import_error
        elif self.worker.import_violations:
            g.status, g.violations = "forbidden", list(self.worker.import_violations)
            g.message = "while being imported the submission tried: " + "; ".join(g.violations[:3])
        elif f.adapter_name not in self.worker.names:
            g.status = "not_implemented"
            g.message = f"not implemented (no function {f.adapter_name}({', '.join(a.name for a in f.args)}))"
        else:
            cases = draw_cases(f, spec, self.cfg.visible_seed, spec.visible, False, self.source)
            cases += draw_cases(f, spec, self.cfg.hidden_seed, spec.hidden, True, self.source)
            self.run_cases(f, spec, cases, g)
            self.score(g)
        g.seconds = time.perf_counter() - started
        return g

    def run_cases(self, f: Formula, spec: FormulaSpec, cases: Sequence[Case], g: FormulaGrade) -> None:
        skip: str | None = None
        endings = 0
        for case in cases:
            if skip is not None:
                g.results.append(CaseResult(case, False, "skipped", skip))
                continue
            inputs = instance_inputs(f, case.raw)
            reply = self.worker.call(
                f.adapter_name, [inputs[a.name] for a in f.args], timeout=spec.time_limit
            )
            result = CallResult(reply.kind, reply.values, reply.shape, reply.message, reply.seconds)
            outcome = compare(f, inputs, case.expected.value, result)
            r = CaseResult(
                case,
                outcome.ok and not reply.violations,
                outcome.kind,
                outcome.message,
                outcome.units if reply.kind == "ok" and outcome.kind in ("ok", "value") else None,
                outcome.entries,
                reply.seconds,
                reply.violations,
                outcome.matched if outcome.ok else (),
            )
            if reply.kind == "raised" and not self.cfg.allow_ctypes and "CFUNCTYPE" in reply.message:
                r.message += " (ctypes, which scipy needs, is off while grading: see [sandbox].ctypes)"
            if reply.violations:
                g.violations.extend(reply.violations)
            g.results.append(r)
            if reply.kind == "timeout":
                skip = f"not run: an earlier case timed out ({spec.time_limit:g} s per call)"
            elif reply.kind in ("crashed", "exit", "protocol"):
                endings += 1
                if endings >= MAX_RESTARTS:
                    skip = f"not run: the function ended the worker {endings} times"

    def one_convention(self, g: FormulaGrade) -> None:
        """A function follows one convention: the one most of its passing cases match (ties:
        the lecture first, then the registry's order). A case passing only under another one
        fails, as `rlspec conform` refuses mixed conventions."""
        passed = [r for r in g.results if r.passed]
        if not g.formula.conventions or not passed:
            return
        order = [LECTURE, *(c.name for c in g.formula.conventions)]
        counts = Counter(m for r in passed for m in r.matched)
        best = max(order, key=lambda m: (counts[m], -order.index(m)))
        g.convention = best
        for r in passed:
            if best not in r.matched:
                r.passed, r.kind = False, "convention"
                r.message = (
                    f"matches the {' / '.join(r.matched)} convention here, but {best} on most cases: "
                    "one function, one convention"
                )

    def score(self, g: FormulaGrade) -> None:
        self.one_convention(g)
        visible, hidden = g.part(False), g.part(True)
        pv, ph = sum(r.passed for r in visible), sum(r.passed for r in hidden)
        if g.violations:
            g.status = "forbidden"
            g.message = "0 points: it tried " + "; ".join(dict.fromkeys(g.violations[:3]))
            return
        g.visible_score = earned(g.visible_max, pv, len(visible), self.cfg.partial_credit)
        g.hidden_score = earned(g.hidden_max, ph, len(hidden), self.cfg.partial_credit)
        total = len(visible) + len(hidden)
        g.status = "pass" if pv + ph == total else ("partial" if g.score > 0 else "fail")


# ---- command line -------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rlspec grade", description="Grade an untrusted submission in a sandbox.")
    p.add_argument("submission", help="the student's .py file (one file; it is copied into the sandbox)")
    p.add_argument("--config", required=True, metavar="TOML", help="the grading file")
    p.add_argument("--gradescope", metavar="FILE", help="write Gradescope's results.json")
    p.add_argument("--json", metavar="FILE", help="write the full report (instructor-only detail)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def grade_submission(
    submission: Path, cfg: GradingConfig, forbid: Sequence[str | Path] = (), progress: bool = False
) -> tuple[list[FormulaGrade], dict[str, Any]]:
    started = time.perf_counter()
    grader = Grader(cfg, submission, forbid)
    grades = grader.run(progress)
    meta: dict[str, Any] = {
        "title": cfg.title,
        "submission": str(submission),
        "config": str(cfg.path),
        "seconds": round(time.perf_counter() - started, 3),
        "import_error": grader.import_error,
        "worker_restarts": grader.worker.restarts,
        "worker_user": "unchanged" if grader.worker.ids is None else f"{cfg.user} ({grader.worker.ids[0]})",
    }
    return grades, meta


def main(argv: Sequence[str] | None = None) -> int:
    from rlspec.conformance_tests.grading import feedback

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        submission = Path(args.submission)
        if not submission.is_file() or submission.suffix != ".py":
            raise UsageError(f"no such .py file: {submission}")
        cfg = grading_config.load(Path(args.config))
        outputs = [Path(p) for p in (args.gradescope, args.json) if p]
        forbid = [q for p in outputs for q in (p, p.parent)]
        grades, meta = grade_submission(submission, cfg, forbid, progress=not args.quiet)
        print(feedback.table(grades, cfg, meta))
        if args.gradescope:
            feedback.write_gradescope(Path(args.gradescope), grades, cfg, meta)
        if args.json:
            feedback.write_json(Path(args.json), grades, cfg, meta)
        return 0
    except UsageError as exc:
        print(f"rlspec grade: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"rlspec grade: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
