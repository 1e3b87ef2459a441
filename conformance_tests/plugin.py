"""The conformance suite as a pytest plugin.

    pytest --pyargs rlspec.conformance_tests --rlspec-impl IMPL      (or RLSPEC_IMPL=IMPL)

Registered as the pytest11 entry point "rlspec" (pyproject.toml) and, for a checkout that is not
installed, through conformance_tests/conftest.py. Harmless when no implementation is given: the
conformance tests skip, nothing else changes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ENV = "RLSPEC_IMPL"


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("rlspec", "rlspec conformance suite")
    group.addoption(
        "--rlspec-impl", default=None, help=f"implementation to check (module or .py path; or ${ENV})"
    )
    group.addoption("--rlspec-examples", type=int, default=None, help="instances per formula")
    group.addoption(
        "--rlspec-seed",
        type=int,
        default=None,
        help="seed of the run (hypothesis's --hypothesis-seed, when an integer, is honoured too)",
    )
    group.addoption("--rlspec-timeout", type=float, default=None, help="seconds allowed per call")
    group.addoption("--rlspec-out", default=None, help="where failures' repro files go")
    group.addoption(
        "--rlspec-dtype", default=None, help="precision profile: float64 (default) or float32 (as --dtype)"
    )
    group.addoption("--rlspec-xfails", default=None, help="known deviations, TOML or JSON (as --xfails)")
    group.addoption(
        "--rlspec-no-cache",
        action="store_true",
        default=False,
        help="do not read or write the oracle's answers and passing runs' instances (as --no-cache)",
    )


def pytest_configure(config: Any) -> None:
    """One marker per lecture section (`pytest -m rlspec_ppo`), registered so --strict-markers
    accepts them; namespaced because the plugin is active in every pytest run once installed."""
    from rlspec.conformance_tests.pytest_support import section_marker_names

    for key, name in section_marker_names().items():
        config.addinivalue_line("markers", f"{name}: the conformance tests of the {key!r} section")


def run_seed(config: Any) -> int | None:
    """--rlspec-seed, else hypothesis's --hypothesis-seed (an integer; anything else is refused:
    the suite seeds each formula from one integer), else None."""
    seed = _option(config, "--rlspec-seed")
    if seed is not None:
        return int(seed)
    text = _option(config, "hypothesis_seed")
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise pytest.UsageError(f"--hypothesis-seed {text!r}: rlspec needs an integer seed") from None


def _option(config: Any, name: str) -> Any:
    try:
        return config.getoption(name)
    except ValueError:  # the option was never registered
        return None


def implementation(config: Any) -> str | None:
    impl = _option(config, "--rlspec-impl") or os.environ.get(ENV)
    return str(impl) if impl else None


@pytest.fixture(scope="session")
def rlspec_session(request: Any) -> Iterator[Any]:
    """The implementation under test in its worker (skips when none is given)."""
    from rlspec.conformance_tests import session as suite
    from rlspec.conformance_tests.expectations import read_xfails
    from rlspec.conformance_tests.plans import PlanStore
    from rlspec.conformance_tests.precision import profile
    from rlspec.conformance_tests.selection import registry
    from rlspec.conformance_tests.sources import LiveOracle
    from rlspec.conformance_tests.worker import ImplementationError
    from rlspec.oracle.cache import OracleCache
    from rlspec.oracle.errors import UsageError

    impl = implementation(request.config)
    if impl is None:
        pytest.skip(f"no implementation to check: pass --rlspec-impl IMPL or set {ENV}")
    examples = _option(request.config, "--rlspec-examples") or suite.DEFAULT_EXAMPLES
    seed = run_seed(request.config)
    timeout = _option(request.config, "--rlspec-timeout") or suite.DEFAULT_TIMEOUT
    out = _option(request.config, "--rlspec-out") or suite.DEFAULT_OUT
    try:
        precision = profile(_option(request.config, "--rlspec-dtype") or "float64")
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    cached = not _option(request.config, "--rlspec-no-cache")
    session = suite.Session(
        impl,
        examples=examples,
        seed=suite.DEFAULT_SEED if seed is None else seed,
        timeout=timeout,
        source=LiveOracle(unit=precision.eps, persistent=OracleCache() if cached else None, defer=True),
        out_dir=Path(out),
        profile=precision,
        plans=PlanStore() if cached else None,
    )
    try:
        xfails = _option(request.config, "--rlspec-xfails")
        session.xfails = read_xfails(xfails, [f.id for f in registry()]) if xfails else {}
        session.start()
    except (ImplementationError, UsageError) as exc:
        pytest.fail(f"rlspec: {exc}", pytrace=False)
    yield session
    session.close()
