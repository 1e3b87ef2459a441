"""One implementation under test: its worker process, the expected-value source and the run's
options; `check(formula)` runs one formula's examples (conformance_tests/engine.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from rlspec.conformance_tests.engine import FormulaRun, SuiteError
from rlspec.conformance_tests.expectations import Domains, declared_domains
from rlspec.conformance_tests.precision import FLOAT64, Profile
from rlspec.conformance_tests.results import FormulaResult
from rlspec.conformance_tests.selection import section_keys
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
        profile: Profile = FLOAT64,
        stable_shapes: bool = False,
        import_timeout: float = DEFAULT_IMPORT_TIMEOUT,
    ) -> None:
        """`prepare` and `start_method` go to the Worker (conformance_tests/worker.py): a hook run
        in the worker before the implementation is imported (resource limits, isolation), and
        the multiprocessing start method."""
        self.impl = impl
        self.examples = examples
        self.seed = seed
        self.timeout = timeout
        self.source: ExpectedSource = source if source is not None else LiveOracle(unit=profile.eps)
        self.out_dir = out_dir
        self.shrink_budget = shrink_budget
        self.worker = Worker(impl, timeout=timeout, prepare=prepare, start_method=start_method)
        self.profile = profile  # the precision profile (precision.py): float64 or float32
        self.worker.dtype = profile.name
        self.worker.start_timeout = import_timeout  # seconds allowed for importing the adapter
        self.stable_shapes = stable_shapes  # sizes from a few per run (strategies.stable_sizes)
        self.names: frozenset[str] = frozenset()
        self.domains = Domains()  # input domains the adapter declares (expectations.py)
        self.sections = section_keys()

    def start(self) -> None:
        """Find and import the implementation (ImplementationError: a usage error)."""
        check_exists(self.impl)
        self.domains = declared_domains(self.impl)
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
        run = FormulaRun(self, f)
        try:
            cases = self.source.fixed_cases(f)
            if cases is None:
                run.search()
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
            result = run.result(key)
        result.seconds = time.perf_counter() - started
        return result
