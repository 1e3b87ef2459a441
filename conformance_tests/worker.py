"""Calling the user's functions in a separate worker process.

The implementation under test is imported only in the worker, never in the suite's process.
Each call has a wall-clock limit: a call that runs past it is a failure ("timed out"), the
worker is killed and a fresh one started for the next call, so a hang or a crash (segfault,
os._exit, out of memory) never stops the run.

Protocol (plain data both ways, never a pickled user object):
  worker -> suite, once:  ("ready", [names of the module's public callables])
                          | ("import_error", "one line")
  suite -> worker:        (function name, [(flat list of floats, shape), ...]) | None to stop
  worker -> suite:        ("ok", flat list of floats, shape, seconds)
                          | ("error", kind, "one line", seconds)   kind: raised | bad_output
Inputs arrive in the worker as fresh float64 arrays (scalars as numpy.float64, which is also a
Python float), or float32 ones under the float32 precision profile (`Worker.dtype`); outputs go
through numpy.asarray in the worker and come back as floats + shape.

Hardening (memory limits, isolation) plugs in through `prepare`: a callable run in the worker
before the implementation is imported (e.g. resource.setrlimit), and `start_method` (the
multiprocessing start method: "fork" where available, or "spawn"/"forkserver").
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class CallResult:
    """What one call returned. `kind` is "ok", "raised", "bad_output", "timeout" or "crashed"."""

    kind: str
    values: list[float] | None = None
    shape: tuple[int, ...] | None = None
    message: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.kind == "ok"

    def array(self) -> np.ndarray:
        assert self.values is not None and self.shape is not None
        return np.asarray(self.values, dtype=np.float64).reshape(self.shape)


class ImplementationError(Exception):
    """The implementation cannot be found or imported (a usage error: exit status 2)."""


def is_path(impl: str) -> bool:
    return impl.endswith(".py") or os.sep in impl or "/" in impl


def check_exists(impl: str) -> None:
    """Raise ImplementationError (one line) if `impl` is neither a .py file nor a findable module."""
    if is_path(impl):
        if not Path(impl).is_file():
            raise ImplementationError(f"no such file: {impl}")
        return
    try:
        with current_folder_importable():
            found = importlib.util.find_spec(impl)
    except (ImportError, ValueError):
        found = None
    if found is None:
        raise ImplementationError(f"no module named {impl!r} (give a module name or a path to a .py file)")


@contextlib.contextmanager
def current_folder_importable() -> Iterator[None]:
    """The current folder first on sys.path while the body runs, as with `python -m` (the console
    script `rlspec` starts with its own folder there instead, so `rlspec conform mymodule` would
    not find ./mymodule.py otherwise)."""
    folder = os.getcwd()
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        yield
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)


def load_module(impl: str) -> ModuleType:
    """Import `impl`: a dotted module name (found from the current folder too), or a path to a
    .py file (its folder goes on sys.path)."""
    if not is_path(impl):
        folder = os.getcwd()
        if folder not in sys.path:
            sys.path.insert(0, folder)  # the worker process only: it hosts the implementation
        return importlib.import_module(impl)
    path = Path(impl).resolve()
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = f"rlspec_impl_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {impl}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


def encode(value: Any) -> tuple[list[float], list[int]]:
    array = np.asarray(value, dtype=np.float64)
    return array.ravel().tolist(), list(array.shape)


def decode(flat: list[float], shape: Sequence[int], dtype: str = "float64") -> Any:
    """An argument as the implementation receives it: a float64 array (float32 under the float32
    precision profile), a scalar as numpy.float64 (numpy.float32)."""
    array = np.asarray(flat, dtype=dtype).reshape(tuple(shape))
    return array.dtype.type(array) if array.ndim == 0 else array


def redirect_output(log: str | None) -> None:
    """The implementation's stdout and stderr (file descriptors 1 and 2, so C extensions and
    child processes too) go to the end of the file `log`, or nowhere: never to the terminal,
    where they would mix with the suite's output."""
    with contextlib.suppress(OSError):
        if log is None:
            target = os.open(os.devnull, os.O_WRONLY)
        else:
            target = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.dup2(target, 1)
        os.dup2(target, 2)
        os.close(target)


def _serve(
    conn: Connection,
    impl: str,
    prepare: Callable[[], None] | None,
    log: str | None = None,
    dtype: str = "float64",
) -> None:
    """The worker's main loop."""
    redirect_output(log)
    try:
        if prepare is not None:
            prepare()
        module = load_module(impl)
    except BaseException as exc:
        conn.send(("import_error", one_line(f"{type(exc).__name__}: {exc}")))
        return
    names = sorted(n for n, v in vars(module).items() if not n.startswith("_") and callable(v))
    conn.send(("ready", names))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        name, encoded = message
        conn.send(_call(module, name, encoded, dtype))


def _call(
    module: ModuleType, name: str, encoded: list[tuple[list[float], list[int]]], dtype: str = "float64"
) -> tuple[Any, ...]:
    started = time.perf_counter()
    try:
        fn = getattr(module, name)
        result = fn(*[decode(flat, shape, dtype) for flat, shape in encoded])
    except BaseException as exc:
        return (
            "error",
            "raised",
            one_line(f"raised {type(exc).__name__}: {exc}"),
            time.perf_counter() - started,
        )
    seconds = time.perf_counter() - started
    try:
        array = np.asarray(result)
        if array.dtype.kind not in "biuf":
            return (
                "error",
                "bad_output",
                one_line(f"returned {type(result).__name__} of dtype {array.dtype}, not numbers"),
                seconds,
            )
        array = array.astype(np.float64)
    except BaseException as exc:
        return (
            "error",
            "bad_output",
            one_line(
                f"numpy.asarray failed on the returned {type(result).__name__}: {type(exc).__name__}: {exc}"
            ),
            seconds,
        )
    return ("ok", array.ravel().tolist(), list(array.shape), seconds)


def default_start_method() -> str:
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


class Worker:
    """A restartable worker process hosting the implementation under test."""

    def __init__(
        self,
        impl: str,
        *,
        timeout: float = 10.0,
        start_timeout: float = 60.0,
        prepare: Callable[[], None] | None = None,
        start_method: str | None = None,
        log: Path | None = None,
    ) -> None:
        """`log`: the file that receives the implementation's stdout and stderr (appended to
        across restarts); None discards them."""
        self.impl = impl
        self.log = log
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.dtype = "float64"  # the arguments' format: the session's precision profile
        self.prepare = prepare
        self.context: Any = multiprocessing.get_context(start_method or default_start_method())
        self.process: Any = None
        self.conn: Connection | None = None
        self.names: frozenset[str] = frozenset()
        self.restarts = 0

    def start(self) -> frozenset[str]:
        """Start the worker (importing the implementation); the names of its public callables.
        Raises ImplementationError (one line) if the import fails."""
        self.close()
        parent, child = self.context.Pipe()
        log = None if self.log is None else str(self.log)
        process = self.context.Process(
            target=_serve, args=(child, self.impl, self.prepare, log, self.dtype), daemon=True
        )
        process.start()
        child.close()
        self.process, self.conn = process, parent
        if not parent.poll(self.start_timeout):
            self.close()
            raise ImplementationError(f"importing {self.impl} took longer than {self.start_timeout:g} s")
        try:
            status, payload = parent.recv()
        except EOFError:
            code = process.exitcode
            self.close()
            raise ImplementationError(
                f"importing {self.impl} crashed the interpreter (exit code {code})"
            ) from None
        if status != "ready":
            self.close()
            raise ImplementationError(f"cannot import {self.impl}: {payload}")
        self.names = frozenset(payload)
        return self.names

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive() and self.conn is not None

    def call(self, name: str, args: Sequence[Any], timeout: float | None = None) -> CallResult:
        """Call `name(*args)` in the worker; never raises for anything the user's code does."""
        limit = self.timeout if timeout is None else timeout
        if not self.alive():
            self.restarts += 1
            self.start()
        assert self.conn is not None
        started = time.perf_counter()
        try:
            self.conn.send((name, [encode(a) for a in args]))
            if not self.conn.poll(limit):
                self.process.kill()
                self.close()
                return CallResult("timeout", message=f"timed out after {limit:g} s", seconds=limit)
            reply = self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = self.process.exitcode if self.process is not None else None
            if self.process is not None:
                self.process.join(1.0)
                code = self.process.exitcode
            self.close()
            return CallResult(
                "crashed",
                message=f"crashed the worker process (exit code {code})",
                seconds=time.perf_counter() - started,
            )
        if reply[0] == "ok":
            return CallResult("ok", reply[1], tuple(reply[2]), seconds=reply[3])
        return CallResult(reply[1], message=reply[2], seconds=reply[3])

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError, BrokenPipeError):
                if self.process is not None and self.process.is_alive():
                    self.conn.send(None)
            self.conn.close()
            self.conn = None
        if self.process is not None:
            self.process.join(0.5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(1.0)
            self.process = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
