"""The examples of one formula: draw an instance (hypothesis), ask the expected-value source,
call the implementation, compare, and let hypothesis shrink a failure.

How a run of one formula goes (`FormulaRun`):

- `search()` hands `one()` to hypothesis, which calls it on drawn instances. A conforming
  instance adds its error (in units) to `units` and the conventions it matched to `matched`.
- The first non-conforming instance is stored in `failed` (keyed by formula and instance) and
  `one()` raises `Mismatch`; hypothesis then shrinks: it replays smaller instances, and every
  one that fails too is stored and becomes `last`. A replayed instance already in `failed` is
  answered from there without calling the implementation again.
- The shrink has a budget: after `shrink_budget` seconds from `first_failure_at`, or at once
  for a hard failure (a crash, a timeout, a wrong shape), the run is `frozen`: every further
  instance passes without being evaluated, so hypothesis stops with `last` as the smallest
  failing instance it found.
- `replay()` is the same without hypothesis, for stored cases (vectors); `follow()` replays a
  passing run's `plan` (conformance_tests/plans.py), the instances it checked in order.
- A function that raises NotImplementedError (an `rlspec stub` skeleton) sets `unimplemented`
  and freezes the run: the formula is reported as not implemented.
- `result()` turns that state into a FormulaResult: a failure on `last` (with its repro files),
  a convention mix (every instance conformed, but under no one common convention), or a pass
  with the peak and mean error.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, example, given, reject, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky, HypothesisException

from rlspec.conformance_tests.compare import LECTURE, Outcome, compare, tolerance_scale
from rlspec.conformance_tests.diagnose import argument_names, corner_pattern, declared_parameters
from rlspec.conformance_tests.plans import Planned
from rlspec.conformance_tests.repro import write_artifacts
from rlspec.conformance_tests.results import Checked, Failure, FormulaResult
from rlspec.conformance_tests.sources import Case, Expected, instance_key
from rlspec.conformance_tests.strategies import Draw, corner_examples, draws_from_seed_only, formula_draws
from rlspec.oracle.errors import InstanceError
from rlspec.spec.formula import Formula

if TYPE_CHECKING:
    from rlspec.conformance_tests.session import Session


NOT_IMPLEMENTED = "raised NotImplementedError"  # the worker's message for that exception


class Mismatch(AssertionError):
    """Raised inside the hypothesis test when an instance does not conform."""


class SuiteError(Exception):
    """Something went wrong on rlspec's side (not the implementation's fault)."""


def _number(x: Any) -> Any:
    if isinstance(x, list):
        return [_number(v) for v in x]
    if isinstance(x, str):
        return float(Fraction(x.replace(" ", "")))
    return float(x)


def instance_inputs(f: Formula, raw: dict[str, Any]) -> dict[str, Any]:
    """The formula's arguments from a JSON-ready instance, as float64 (numpy.float64 scalars)."""
    out: dict[str, Any] = {}
    for arg in f.args:
        if arg.source.startswith("params."):
            value = raw["params"][arg.source[len("params.") :]]
        else:
            value = raw[arg.source]
        array = np.asarray(_number(value), dtype=np.float64)
        out[arg.name] = np.float64(array) if array.ndim == 0 else array
    return out


def _hypothesis_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=Verbosity.quiet,
    )


class FormulaRun:
    """The examples of one formula (the state is described in the module's docstring)."""

    def __init__(self, session: Session, f: Formula) -> None:
        self.session = session
        self.f = f
        self.units: list[float] = []  # error of each conforming instance, before any failure
        self.matched: list[tuple[str, ...]] = []  # conventions each conforming instance matched
        self.failed: dict[str, tuple[Outcome, dict[str, Any], Expected]] = {}
        self.last: str | None = None  # key of the latest (smallest) failing instance
        self.first_failure_at: float | None = None
        self.frozen = False
        self.unimplemented = False  # the function raised NotImplementedError (`rlspec stub`)
        self.corners: list[str] = []  # the family's hard corners checked (and conforming)
        self.corner_failures: dict[str, str] = {}  # failing corner instance (not shrunk) -> corner
        self.following_up = False  # drawing a failed corner's instances for a smaller failure
        self.instances: list[Checked] = []  # every evaluated instance: its error and corner
        self.plan: list[Planned] = []  # the conforming instances, in order, while none failed

    def evaluate(self, raw: dict[str, Any], expected: Expected) -> Outcome:
        inputs = instance_inputs(self.f, raw)
        result = self.session.worker.call(self.f.adapter_name, [inputs[a.name] for a in self.f.args])
        if result.kind == "raised" and result.message.startswith(NOT_IMPLEMENTED):
            self.unimplemented = self.frozen = True  # a stub's function: nothing more to check
            raise Mismatch("raises NotImplementedError")
        try:
            profile, reachable = self.session.profile, expected.alternatives
            return compare(self.f, inputs, expected.value, result, profile, reachable)
        except Exception as exc:
            raise SuiteError(f"suite error comparing {self.f.id}: {type(exc).__name__}: {exc}") from exc

    def expected(self, raw: dict[str, Any]) -> Expected:
        try:
            exp = self.session.source.expected(self.f, raw)
        except InstanceError:
            reject()  # the oracle refuses this instance (e.g. a required state unreachable)
            raise
        except Exception as exc:
            raise SuiteError(f"oracle error on {self.f.id}: {type(exc).__name__}: {exc}") from exc
        if not self.session.profile.admits(exp.value, lambda: self.scale(raw, exp)):
            reject()  # the answer, or the size of what computing it handles, overflows the format
        return exp

    def scale(self, raw: dict[str, Any], exp: Expected) -> float:
        """The formula's tolerance scale on this instance (the size of the quantities involved)."""
        return tolerance_scale(self.f, instance_inputs(self.f, raw), exp.value)

    def _out_of_budget(self) -> bool:
        started = self.first_failure_at
        return started is not None and time.perf_counter() - started > self.session.shrink_budget

    def one(self, raw: dict[str, Any], expected: Expected | None = None, corner: str | None = None) -> None:
        """Check one instance; Mismatch when it does not conform."""
        if self.failed:  # the key is computed here only when there is a failure to replay
            key = instance_key(self.f, raw)
            if key in self.failed:
                self.last = key
                raise Mismatch(self.failed[key][0].message)
        if self.frozen or self._out_of_budget():
            self.frozen = True
            return
        exp = expected if expected is not None else self.expected(raw)
        outcome = self.evaluate(raw, exp)
        error = outcome.units if outcome.kind in ("ok", "value") else math.inf  # no number to compare
        if not (outcome.ok and self.following_up):  # the follow-up's passes say nothing of the corner
            self.instances.append(Checked(outcome.kind, error, corner))
        if outcome.ok:
            if self.first_failure_at is None:
                self.units.append(outcome.units)
                self.matched.append(outcome.matched)
                self.plan.append(Planned(raw, corner, exp))
            return
        key = instance_key(self.f, raw)
        self.failed[key] = (outcome, raw, exp)
        self.last = key
        if self.first_failure_at is None:
            self.first_failure_at = time.perf_counter()
        if outcome.hard:
            self.frozen = True
        raise Mismatch(outcome.message)

    def search(self) -> None:
        """The family's hard corners first (explicit examples, deterministic in the session's
        seed), then drawn instances for the rest of the budget (seeded by the session's seed and
        the formula id), then shrinking. Hypothesis does not shrink an explicit example: when a
        corner fails, instances of that corner (its options forced, any size) are drawn once
        more (the whole budget) for a smaller failing one to shrink; the corner's instance stays
        the report when none fails."""
        s = self.session
        corners = corner_examples(self.f, s.seed, limit=s.examples)
        self._hypothesis(corners, max(1, s.examples - len(corners)), f"{s.seed}:{self.f.id}")
        failed_corner = self.corner_failures.get(self.last or "")
        if failed_corner is not None and not self.frozen:
            self.following_up = True
            self._hypothesis([], s.examples, f"{s.seed}:{self.f.id}:{failed_corner}", failed_corner)

    def _hypothesis(
        self, explicit: list[Draw], examples: int, seed_text: str, corner: str | None = None
    ) -> None:
        s = self.session

        def body(draw: Draw) -> None:
            if not s.domains.admits(self.f, draw.raw):
                reject()  # outside an input domain the adapter declares (expectations.py)
            try:
                self.one(s.profile.instance(draw.raw), corner=draw.corner)
            except Mismatch:
                if draw.corner is not None and self.last is not None:
                    self.corner_failures.setdefault(self.last, draw.corner)
                raise
            if draw.corner is not None and self.first_failure_at is None:
                self.corners.append(draw.corner)

        test = given(formula_draws(self.f, s.seed if s.stable_shapes else None, corner))(body)
        for draw in reversed(explicit):
            test = example(draw)(test)
        test = _hypothesis_settings(examples)(test)
        test = hypothesis_seed(zlib.crc32(seed_text.encode()))(test)
        try:
            with draws_from_seed_only():
                test()
        except (Mismatch, Flaky):
            pass
        except SuiteError:
            raise
        except HypothesisException as exc:
            if not self.failed:
                raise SuiteError(f"could not draw instances for {self.f.id}: {type(exc).__name__}") from exc

    def replay(self, cases: Sequence[Case]) -> None:
        """Stored cases as they are, up to the first that does not conform."""
        for case in cases:
            if not self.session.domains.admits(self.f, case.raw):
                continue
            try:
                self.one(case.raw, case.expected)
            except Mismatch:
                return

    def follow(self, plan: Sequence[Planned]) -> bool:
        """A passing run's instances again, in order (hypothesis would draw exactly these while
        all conform); False at the first that does not (the caller then searches afresh)."""
        for step in plan:
            try:
                self.one(step.raw, step.expected, step.corner)
            except Mismatch:
                return False
            if step.corner is not None:
                self.corners.append(step.corner)
        return True

    def passed_cleanly(self) -> bool:
        """Every checked instance conformed (so `plan` is what hypothesis drew)."""
        return not self.failed and not self.unimplemented and bool(self.plan)

    def result(self, section_key: str) -> FormulaResult:
        f, s = self.f, self.session
        out = FormulaResult(f, section_key, "pass", examples=len(self.units), corners=tuple(self.corners))
        out.instances = list(self.instances)
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
            failure.diagnoses = [*outcome.diagnoses, *self.corner_diagnosis(), *self.argument_diagnosis()]
            failure.expected, failure.got = outcome.expected.get(LECTURE), outcome.got
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

    def corner_diagnosis(self) -> list[str]:
        """A corner that the failing corner instances have and no conforming one (diagnose.py);
        the unlabelled instances hypothesis tries while shrinking are left out."""
        failing = [(c.corner,) for c in self.instances if not c.ok and c.corner]
        passing = [(c.corner,) if c.corner else () for c in self.instances if c.ok]
        found = corner_pattern(failing, passing)
        return [found] if found else []

    def argument_diagnosis(self) -> list[str]:
        """The adapter's parameter names against the registry's, from the implementation's source."""
        params = declared_parameters(self.session.impl).get(self.f.adapter_name)
        found = argument_names(self.f, params)
        return [found] if found else []


def meanings_order(f: Formula) -> tuple[str, ...]:
    """The lecture's meaning first, then the formula's conventions in declared order."""
    return (LECTURE, *(c.name for c in f.conventions))


def _intersection(sets: list[tuple[str, ...]]) -> set[str]:
    if not sets:
        return set()
    common = set(sets[0])
    for s in sets[1:]:
        common &= set(s)
    return common
