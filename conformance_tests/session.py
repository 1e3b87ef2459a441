"""One implementation under test: its worker process, the expected-value source and the run's
options; `check(formula)` runs one formula's examples (conformance_tests/engine.py)."""

from __future__ import annotations

import contextlib
import difflib
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from rlspec.conformance_tests.engine import FormulaRun, SuiteError
from rlspec.conformance_tests.expectations import Domains, Xfail, declared_domains
from rlspec.conformance_tests.plans import PlanStore
from rlspec.conformance_tests.precision import FLOAT64, Profile
from rlspec.conformance_tests.results import FormulaResult
from rlspec.conformance_tests.selection import registry, section_keys
from rlspec.conformance_tests.sources import ExpectedSource, LiveOracle
from rlspec.conformance_tests.worker import ImplementationError, Worker, check_exists
from rlspec.oracle.errors import InstanceError
from rlspec.spec.formula import Formula

DEFAULT_EXAMPLES = 20
DEFAULT_SEED = 0
DEFAULT_TIMEOUT = 10.0
DEFAULT_IMPORT_TIMEOUT = 60.0
DEFAULT_OUT = Path("rlspec-report")
SHRINK_BUDGET = 20.0  # seconds of shrinking per failing formula
LOG_NAME = "adapter-output.log"
NEAR_MISS = 0.85  # difflib ratio from which a defined name is taken for a misspelt adapter name


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
        required: Sequence[Formula] = (),
        profile: Profile = FLOAT64,
        stable_shapes: bool = False,
        import_timeout: float = DEFAULT_IMPORT_TIMEOUT,
        plans: PlanStore | None = None,
    ) -> None:
        """`prepare` and `start_method` go to the Worker (conformance_tests/worker.py): a hook run
        in the worker before the implementation is imported (resource limits, isolation), and
        the multiprocessing start method. `required` formulas fail when not implemented. The
        implementation's stdout and stderr go to `out_dir/adapter-output.log` (`log`, removed
        when the implementation printed nothing). `plans`: passing runs' instances, kept across
        runs (conformance_tests/plans.py; `rlspec conform` keeps them unless --no-cache)."""
        self.impl = impl
        self.required = frozenset(f.id for f in required)
        self.log = out_dir / LOG_NAME
        self.examples = examples
        self.seed = seed
        self.timeout = timeout
        self.source: ExpectedSource = source if source is not None else LiveOracle(unit=profile.eps)
        self.out_dir = out_dir
        self.shrink_budget = shrink_budget
        self.worker = Worker(impl, timeout=timeout, prepare=prepare, start_method=start_method, log=self.log)
        self.profile = profile  # the precision profile (precision.py): float64 or float32
        self.worker.dtype = profile.name
        self.worker.start_timeout = import_timeout  # seconds allowed for importing the adapter
        self.stable_shapes = stable_shapes  # sizes from a few per run (strategies.stable_sizes)
        self.names: frozenset[str] = frozenset()
        self.domains = Domains()  # input domains the adapter declares (expectations.py)
        self.xfails: dict[str, Xfail] = {}  # known deviations, for the pytest plugin (expectations.py)
        self.made_out_dir = False  # whether start() created out_dir (close() removes it if empty)
        self.near_misses: dict[str, str] = {}  # adapter name -> the defined name that nearly matches it
        self.sections = section_keys()
        self.plans = plans
        self.replayed: list[str] = []  # formulas whose stored plan was replayed (all conformed)

    def start(self) -> None:
        """Find and import the implementation (ImplementationError: a usage error)."""
        check_exists(self.impl)
        self.domains = declared_domains(self.impl)
        self.made_out_dir = not self.out_dir.exists()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.log.unlink(missing_ok=True)
        self.names = self.worker.start()
        self.near_misses = near_misses(self.names, [f.adapter_name for f in registry()])

    def close(self) -> None:
        self.worker.close()
        with contextlib.suppress(OSError):
            if self.log.stat().st_size == 0:
                self.log.unlink()
                if self.made_out_dir:
                    self.out_dir.rmdir()  # only when empty: no failure's repro files are there

    def adapter_log(self) -> Path | None:
        """The file holding what the implementation printed, or None when it printed nothing."""
        return self.log if self.log.is_file() else None

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
            return self.not_implemented(f, key)
        run = FormulaRun(self, f)
        try:
            cases = self.source.fixed_cases(f)
            if cases is None:
                run = self.search(f)
            elif not cases:
                message = f"skipped: {self.source.name} has no case for {f.id}"
                return FormulaResult(f, key, "skipped", message=message)
            else:
                run.replay(cases)
        except SuiteError as exc:
            result = FormulaResult(f, key, "error", message=str(exc))
        except (ImplementationError, InstanceError) as exc:
            result = FormulaResult(f, key, "error", message=f"{type(exc).__name__}: {exc}")
        else:
            result = self.not_implemented(f, key, raises=True) if run.unimplemented else run.result(key)
        result.seconds = time.perf_counter() - started
        return result

    def search(self, f: Formula) -> FormulaRun:
        """f's drawn instances: a stored plan of the same run when every instance of it conforms
        again (conformance_tests/plans.py), else hypothesis's search (whose plan is kept when
        it passes)."""
        plan = self.plans.load(self, f) if self.plans is not None else None
        live = self.source if isinstance(self.source, LiveOracle) else None
        if plan is not None:
            run = FormulaRun(self, f)
            if run.follow(plan):
                self.replayed.append(f.id)
                return run
            if live is not None:  # the search then checks these instances again without recomputing
                for step in plan:
                    live.remember(f, step.raw, step.expected)
        run = FormulaRun(self, f)
        planned = False
        try:
            run.search()
            if self.plans is not None and run.passed_cleanly():
                self.plans.save(self, f, run.plan)
                planned = True
        finally:
            if live is not None and planned:
                live.forget()  # the saved plan holds the answers
            elif live is not None:
                live.keep()  # a failure's answers (its shrinking) go to the oracle's cache
        return run

    def not_implemented(self, f: Formula, key: str, raises: bool = False) -> FormulaResult:
        """A formula without its adapter function (or whose function `raises`
        NotImplementedError): an error when a defined name nearly matches (a typo must not pass
        CI as "not implemented"), a failure when required, else not implemented."""
        name = f.adapter_name
        missing = f"{name} raises NotImplementedError" if raises else f"no function {name}"
        near = self.near_misses.get(f.adapter_name)
        if near is not None:
            message = (
                f"not implemented ({missing}), but the adapter defines {near}: did you mean "
                f"{f.adapter_name}? (rename it, or start a helper's name with _)"
            )
            return FormulaResult(f, key, "error", message=message)
        if f.id in self.required:
            message = f"required (--require) but not implemented ({missing})"
            return FormulaResult(f, key, "fail", message=message)
        return FormulaResult(f, key, "not_implemented", message=f"not implemented ({missing})")


def near_misses(defined: Iterable[str], adapter_names: Sequence[str]) -> dict[str, str]:
    """Adapter name -> a public name of the implementation that is not an adapter name but
    nearly spells one (difflib ratio >= NEAR_MISS, e.g. ppo_clip_objetive_batch)."""
    known = set(adapter_names)
    out: dict[str, str] = {}
    for name in sorted(defined):
        if name in known:
            continue
        close = difflib.get_close_matches(name, adapter_names, n=1, cutoff=NEAR_MISS)
        if close and close[0] not in defined:
            out.setdefault(close[0], name)
    return out
