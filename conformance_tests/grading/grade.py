"""`rlspec grade SUBMISSION --config grading.toml [--gradescope results.json] [--json F]`, or
`rlspec grade SUBMISSIONS_DIR --config grading.toml [--out DIR] [--jobs N]` for a class.

The parent draws the cases (cases.py: visible from [visible].seed, each submission's hidden ones
from a pool drawn from [hidden].seed), computes every expected value with the oracle once,
sends only the inputs to workers inside the wall (wall.py), and alone compares
(conformance_tests.compare: the registry's tolerances and conventions) and scores. Without the
wall it refuses in one line, unless the instructor passes --unsafe-no-sandbox.

Exit status: 0 when the submission was graded (whatever its score; a submission that does not
even import is graded 0), 2 on a usage error (bad grading file, missing submission, no wall).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rlspec.conformance_tests.compare import LECTURE, compare
from rlspec.conformance_tests.engine import instance_inputs
from rlspec.conformance_tests.grading import config as grading_config
from rlspec.conformance_tests.grading import wall
from rlspec.conformance_tests.grading.cases import (
    Case,
    ClassCases,
    GradingError,
    draw_cases,
    prepare,
    submission_key,
)
from rlspec.conformance_tests.grading.config import GradingConfig
from rlspec.conformance_tests.grading.sandbox import CTYPES_HINT, Limits, SandboxError, SandboxWorker
from rlspec.conformance_tests.grading.scoring import CaseResult, FormulaGrade, earned, part_maxima
from rlspec.conformance_tests.selection import registered, section_keys
from rlspec.conformance_tests.worker import CallResult
from rlspec.oracle.errors import UsageError, UsageErrorParser

__all__ = [
    "Case",
    "CaseResult",
    "FormulaGrade",
    "Grader",
    "GradingError",
    "draw_cases",
    "grade_submission",
    "main",
]

MAX_RESTARTS = 3  # worker endings (crash, exit, protocol) per formula before its other cases are skipped


# ---- the run ------------------------------------------------------------------------------------


class Grader:
    """Grades one submission in two phases, each in its own fresh worker. The visible phase runs
    every formula's visible cases: its messages may reach the student. The hidden phase runs the
    submission's own hidden cases afterwards: of it the student sees only counts, so no text
    from a process that has seen a hidden input ever reaches the student."""

    def __init__(
        self,
        cfg: GradingConfig,
        submission: Path,
        forbid: Sequence[str | Path] = (),
        *,
        cases: ClassCases | None = None,
        walled: bool = True,
        name: str | None = None,
    ) -> None:
        self.cfg = cfg
        self.submission = submission
        self.cases = cases if cases is not None else prepare(cfg)
        self.walled = walled
        # masked inside the wall if a Python folder holds them; forbidden to the hook without it
        self.forbid = [cfg.path, cfg.path.parent, submission.parent, *cfg.forbid, *forbid]
        try:
            source = submission.read_bytes()
        except OSError:
            source = b""
        self.key = submission_key(name or submission.stem, source)
        self.sections = section_keys()
        self.import_error: str | None = None
        self.restarts = 0
        self.visible_seconds = 0.0
        self.worker_user = "unchanged"

    def new_worker(self) -> SandboxWorker:
        cfg = self.cfg
        limits = Limits(
            time_limit=cfg.time_limit,
            import_time_limit=cfg.import_time_limit,
            memory_mb=cfg.memory_limit_mb,
            cpu_seconds=cfg.cpu_limit,
            file_size=cfg.file_size_limit,
        )
        worker = SandboxWorker(
            self.submission,
            limits,
            forbid=self.forbid,
            preload=cfg.preload,
            allow_ctypes=cfg.allow_ctypes,
            user=cfg.user,
            walled=self.walled,
        )
        if worker.ids is not None:
            self.worker_user = f"uid {worker.ids[0]}" + (" inside bubblewrap" if self.walled else "")
        return worker

    def run(self, progress: bool = False) -> list[FormulaGrade]:
        grades = []
        for spec in self.cfg.formulas:
            f = registered(spec.id)
            g = FormulaGrade(f, self.sections.get(f.id, f.prefix), spec, "fail")
            g.visible_max, g.hidden_max = part_maxima(spec, self.cfg)
            grades.append(g)
        started = time.perf_counter()
        self.visible_phase(grades)
        self.visible_seconds = time.perf_counter() - started
        self.hidden_phase([g for g in grades if g.status == "fail" and g.spec.hidden > 0])
        for i, g in enumerate(grades, 1):
            if g.status == "fail":
                self.score(g)
            if progress:
                print(
                    f"[{i}/{len(grades)}] {g.id}: {float(g.score):g} of {g.spec.points:g} "
                    f"({g.status}, {g.seconds:.1f} s)",
                    file=sys.stderr,
                    flush=True,
                )
        return grades

    def visible_phase(self, grades: Sequence[FormulaGrade]) -> None:
        worker = self.new_worker()
        try:
            try:
                worker.start()
            except SandboxError as exc:
                self.import_error = str(exc)
            for g in grades:
                started = time.perf_counter()
                f = g.formula
                if f.id in self.cases.errors:
                    g.status, g.message = "error", self.cases.errors[f.id]
                elif self.import_error is not None:
                    g.status, g.message = "import_error", self.import_error
                elif worker.import_violations:
                    g.status, g.violations = "forbidden", list(worker.import_violations)
                    g.message = "while being imported the submission tried: " + "; ".join(g.violations[:3])
                elif f.adapter_name not in worker.names:
                    g.status = "not_implemented"
                    g.message = (
                        f"not implemented (no function {f.adapter_name}({', '.join(a.name for a in f.args)}))"
                    )
                else:
                    self.run_cases(g, self.cases.visible[f.id], worker)
                g.seconds += time.perf_counter() - started
        finally:
            self.restarts += worker.restarts
            worker.close()

    def hidden_phase(self, grades: Sequence[FormulaGrade]) -> None:
        if not grades:
            return
        worker = self.new_worker()
        try:
            try:
                worker.start()
                started = not worker.import_violations
            except SandboxError:
                started = False
            for g in grades:
                began = time.perf_counter()
                cases = self.cases.hidden_for(g.spec, self.key)
                if started:
                    self.run_cases(g, cases, worker)
                else:
                    g.hidden_refusals += len(worker.import_violations)
                    g.results += [
                        CaseResult(c, False, "crashed", "the hidden-case worker did not start") for c in cases
                    ]
                g.seconds += time.perf_counter() - began
        finally:
            self.restarts += worker.restarts
            worker.close()

    def run_cases(self, g: FormulaGrade, cases: Sequence[Case], worker: SandboxWorker) -> None:
        f, spec = g.formula, g.spec
        skip: str | None = None
        endings = 0
        for case in cases:
            if skip is not None:
                g.results.append(CaseResult(case, False, "skipped", skip))
                continue
            inputs = instance_inputs(f, case.raw)
            reply = worker.call(f.adapter_name, [inputs[a.name] for a in f.args], timeout=spec.time_limit)
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
                r.message += CTYPES_HINT
            if case.hidden:
                g.hidden_refusals += len(reply.violations)
            else:
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
        if g.violations or g.hidden_refusals:
            g.status = "forbidden"
            if g.violations:
                g.message = "0 points: it tried " + "; ".join(dict.fromkeys(g.violations[:3]))
            else:
                g.message = (
                    f"0 points: the sandbox refused {g.hidden_refusals} operation(s) during hidden cases"
                )
            return
        g.visible_score = earned(g.visible_max, pv, len(visible), self.cfg.partial_credit)
        g.hidden_score = earned(g.hidden_max, ph, len(hidden), self.cfg.partial_credit)
        total = len(visible) + len(hidden)
        g.status = "pass" if pv + ph == total else ("partial" if g.score > 0 else "fail")


# ---- command line -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    description = "Grade untrusted submissions inside a sandbox (bubblewrap)."
    p = UsageErrorParser(prog="rlspec grade", description=description)
    p.add_argument("submission", help="the student's .py file, or a folder of submissions (a class)")
    p.add_argument("--config", required=True, metavar="TOML", help="the grading file")
    p.add_argument("--gradescope", metavar="FILE", help="one submission: write Gradescope's results.json")
    p.add_argument("--json", metavar="FILE", help="one submission: write the full report (instructor-only)")
    p.add_argument("--out", metavar="DIR", help="a class: where the gradebook and each student's results go")
    p.add_argument(
        "--jobs", type=int, metavar="N", help="a class: submissions graded at once (default: cores)"
    )
    p.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="grade without the operating-system sandbox (only for code you trust)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def grade_submission(
    submission: Path,
    cfg: GradingConfig,
    forbid: Sequence[str | Path] = (),
    progress: bool = False,
    *,
    cases: ClassCases | None = None,
    walled: bool = True,
    name: str | None = None,
) -> tuple[list[FormulaGrade], dict[str, Any]]:
    """Grade one submission; every worker is dead when this returns."""
    started = time.perf_counter()
    grader = Grader(cfg, submission, forbid, cases=cases, walled=walled, name=name)
    grades = grader.run(progress)
    meta: dict[str, Any] = {
        "title": cfg.title,
        "submission": str(submission),
        "submission_key": grader.key,
        "config": str(cfg.path),
        "seconds": round(time.perf_counter() - started, 3),
        "visible_seconds": round(grader.visible_seconds, 3),
        "import_error": grader.import_error,
        "worker_restarts": grader.restarts,
        "worker_user": grader.worker_user,
        "sandbox": "bubblewrap" if walled else "none (--unsafe-no-sandbox)",
    }
    return grades, meta


def check_wall(cfg: GradingConfig, unsafe: bool) -> bool:
    """True when the wall is up. Without it, a UsageError in one line unless the instructor
    passed --unsafe-no-sandbox."""
    if unsafe:
        return False
    ids = (wall.UNPRIVILEGED, wall.UNPRIVILEGED)
    if cfg.user:
        import pwd

        entry = pwd.getpwnam(cfg.user)
        ids = (entry.pw_uid, entry.pw_gid)
    try:
        wall.probe(*ids)
    except wall.WallError as exc:
        raise UsageError(
            f"refusing to run untrusted code without the sandbox: {exc} "
            "(--unsafe-no-sandbox grades without it, for code you trust)"
        ) from None
    return True


def main(argv: Sequence[str] | None = None) -> int:
    from rlspec.conformance_tests.grading import classroom, feedback

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        submission = Path(args.submission)
        if not submission.is_dir() and (not submission.is_file() or submission.suffix != ".py"):
            raise UsageError(f"no such .py file or folder: {submission}")
        cfg = grading_config.load(Path(args.config))
        walled = check_wall(cfg, args.unsafe_no_sandbox)
        if submission.is_dir():
            return classroom.run(submission, cfg, args, walled)
        if args.out or args.jobs is not None:
            raise UsageError("--out and --jobs are for a folder of submissions (a class)")
        outputs = [Path(p) for p in (args.gradescope, args.json) if p]
        forbid = [q for p in outputs for q in (p, p.parent)]
        grades, meta = grade_submission(submission, cfg, forbid, progress=not args.quiet, walled=walled)
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
