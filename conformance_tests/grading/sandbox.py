"""The hardened worker, parent side: start `child.py` in a fresh temporary folder, talk to it in
length-prefixed JSON frames over raw pipes (never pickle: a compromised worker controls its end
of the pipe), and read its replies with size limits, a deadline and a strict schema.

What the parent accepts from the worker is plain data only: the names of its functions, and per
call a status with either a message or a shape and a list of numbers (Python floats, or ints
converted to float). Anything else ends the worker ("protocol") and the call fails.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

CHILD = Path(__file__).with_name("child.py")
PACKAGES = ("oracle", "reference", "spec", "conformance_tests")
MAX_FRAME = 16 * 2**20  # bytes of one frame from the worker
MAX_VALUES = 2**20  # numbers in one reply
MAX_NOTICES = 50  # violation notices kept per call
MESSAGE_LIMIT = 300
STATUSES = ("ok", "raised", "bad_output", "exit")


class SandboxError(Exception):
    """The submission could not be started (import failed, timed out, crashed): one line."""


class ProtocolError(Exception):
    """The worker sent something that is not a well-formed frame of the protocol."""


@dataclass(frozen=True)
class Limits:
    time_limit: float = 5.0
    import_time_limit: float = 30.0
    memory_mb: int = 1024
    cpu_seconds: float = 300.0
    file_size: int = 0


@dataclass
class Reply:
    """One call as the parent saw it. kind: ok, raised, bad_output, exit, timeout, crashed, protocol."""

    kind: str
    values: list[float] | None = None
    shape: tuple[int, ...] | None = None
    message: str = ""
    seconds: float = 0.0
    violations: list[str] = field(default_factory=list)


def one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


def rlspec_roots() -> list[Path]:
    """Where rlspec lives: its four package folders, and the project folder above them when it is
    a source checkout (pyproject.toml there), which also holds tests, vectors and benchmarks."""
    here = Path(__file__).resolve().parents[2]
    roots = [here / p for p in PACKAGES]
    if (here / "pyproject.toml").is_file() and here.name not in ("site-packages", "dist-packages"):
        roots.append(here)
    return roots


def forbidden_paths(extra: Iterable[str | Path], sandbox_base: Path) -> list[str]:
    """Canonical forbidden roots: rlspec's, plus `extra` (the grading file and its folder, the
    report paths and their folders, the instructor's list). A folder that holds the sandbox or
    Python itself is narrowed to the file named (forbidding /tmp would forbid the sandbox)."""
    keep = [sandbox_base.resolve(), Path(sys.prefix).resolve(), Path(np.__file__).resolve().parent]
    out: list[str] = []
    for p in [*rlspec_roots(), *extra]:
        path = Path(p).resolve()
        if str(path) == "/" or any(k == path or path in k.parents for k in keep):
            continue
        out.append(str(path))
    return sorted(set(out))


def _valid_name(x: Any) -> bool:
    return type(x) is str and 0 < len(x) <= 200


def _number(x: Any) -> float:
    if type(x) is float:
        return x
    if type(x) is int:
        return float(x)  # OverflowError for a huge int: caught as a protocol error
    raise ProtocolError(f"a value of type {type(x).__name__}")


def parse_reply(frame: Any, call_id: int) -> Reply:
    """Check a reply frame against the schema; a Reply of plain floats."""
    if type(frame) is not dict or frame.get("t") != "reply":
        raise ProtocolError("not a reply")
    if type(frame.get("id")) is not int or frame["id"] != call_id:
        raise ProtocolError("a reply to another call")
    status = frame.get("status")
    if status not in STATUSES:
        raise ProtocolError("unknown status")
    if status != "ok":
        message = frame.get("message")
        if type(message) is not str:
            raise ProtocolError("no message")
        return Reply(str(status), message=one_line(message))
    shape, values = frame.get("shape"), frame.get("values")
    if (
        type(shape) is not list
        or len(shape) > 8
        or not all(type(n) is int and 0 <= n <= MAX_VALUES for n in shape)
    ):
        raise ProtocolError("bad shape")
    if type(values) is not list or len(values) > MAX_VALUES or len(values) != math.prod(shape):
        raise ProtocolError("values do not fill the shape")
    return Reply("ok", values=[_number(v) for v in values], shape=tuple(shape))


class SandboxWorker:
    """A restartable hardened worker hosting one submission file."""

    def __init__(
        self,
        submission: Path,
        limits: Limits,
        *,
        forbid: Sequence[str | Path] = (),
        preload: Sequence[str] = (),
        allow_ctypes: bool = False,
        user: str = "",
    ) -> None:
        self.submission = Path(submission)
        self.limits = limits
        self.base = Path(tempfile.gettempdir())
        self.forbidden = forbidden_paths(forbid, self.base)
        self.preload = list(preload)
        self.allow_ctypes = allow_ctypes
        self.ids: tuple[int, int] | None = None  # (uid, gid) the worker switches to
        if user and os.geteuid() == 0:
            import pwd

            entry = pwd.getpwnam(user)
            self.ids = (entry.pw_uid, entry.pw_gid)
        self.process: subprocess.Popen[bytes] | None = None
        self.folder: Path | None = None
        self.names: frozenset[str] = frozenset()
        self.import_violations: list[str] = []  # notices sent while importing (every start)
        self.restarts = 0
        self.next_id = 0
        self.buffer = b""

    # -- process ------------------------------------------------------------------------------
    def start(self) -> frozenset[str]:
        """Start a fresh worker; the names of the submission's public callables.
        SandboxError (one line) if it cannot be imported."""
        self.close()
        folder = Path(tempfile.mkdtemp(prefix="rlspec-sandbox-", dir=self.base))
        self.folder = folder
        shutil.copyfile(CHILD, folder / "_rlspec_worker.py")
        try:
            shutil.copyfile(self.submission, folder / "submission.py")
        except OSError as exc:
            raise SandboxError(
                f"cannot read the submission {self.submission}: {exc.strerror or exc}"
            ) from None
        if self.ids is not None:
            for path in (folder, folder / "_rlspec_worker.py", folder / "submission.py"):
                os.chown(path, *self.ids)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(folder),
            "TMPDIR": str(folder),
            "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-B", str(folder / "_rlspec_worker.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=folder,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        self.buffer = b""
        setup = {
            "submission": str(folder / "submission.py"),
            "sandbox": str(folder.resolve()),
            "forbidden": self.forbidden,
            "packages": list(PACKAGES),
            "preload": self.preload,
            "ctypes": self.allow_ctypes,
            "user": None if self.ids is None else list(self.ids),
            "limits": {
                "memory_bytes": self.limits.memory_mb * 2**20,
                "cpu_seconds": max(1, math.ceil(self.limits.cpu_seconds)),
                "file_size": self.limits.file_size,
            },
        }
        deadline = time.monotonic() + self.limits.import_time_limit
        try:
            self._send(setup, deadline)
            while True:
                frame = self._receive(deadline)
                kind = frame.get("t") if type(frame) is dict else None
                if kind == "violation" and type(frame.get("what")) is str:
                    if len(self.import_violations) < MAX_NOTICES:
                        self.import_violations.append(one_line(frame["what"]))
                    continue
                if kind == "ready" and type(frame.get("names")) is list and len(frame["names"]) <= 100_000:
                    self.names = frozenset(n for n in frame["names"] if _valid_name(n))
                    return self.names
                if kind == "import_error" and type(frame.get("message")) is str:
                    self.close()
                    raise SandboxError(f"importing the submission failed: {one_line(frame['message'])}")
                raise ProtocolError("unexpected frame at start-up")
        except TimeoutError:
            self.close()
            raise SandboxError(
                f"importing the submission took longer than {self.limits.import_time_limit:g} s"
            ) from None
        except (EOFError, OSError):
            code = self._exit_code()
            self.close()
            raise SandboxError(f"the submission ended the worker while being imported ({code})") from None
        except ProtocolError as exc:
            self.close()
            raise SandboxError(f"the worker broke the protocol while starting: {exc}") from None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _exit_code(self) -> str:
        if self.process is None:
            return "no process"
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(1.0)
        code = self.process.returncode
        if code is None:
            return "still running"
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
            return f"killed by signal {-code}"
        return f"exit code {code}"

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # the worker and anything it started
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5.0)
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> SandboxWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- frames -------------------------------------------------------------------------------
    def _send(self, obj: Any, deadline: float) -> None:
        assert self.process is not None and self.process.stdin is not None
        data = json.dumps(obj, allow_nan=True).encode("utf-8")
        data = len(data).to_bytes(4, "big") + data
        fd = self.process.stdin.fileno()
        os.set_blocking(fd, False)
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            _, ready, _ = select.select([], [fd], [], left)
            if not ready:
                continue
            try:
                data = data[os.write(fd, data) :]
            except BlockingIOError:
                continue

    def _receive(self, deadline: float) -> Any:
        """One frame from the worker, parsed as JSON; TimeoutError, EOFError or ProtocolError."""
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while True:
            if len(self.buffer) >= 4:
                size = int.from_bytes(self.buffer[:4], "big")
                if size > MAX_FRAME:
                    raise ProtocolError(f"a frame of {size} bytes")
                if len(self.buffer) >= 4 + size:
                    data, self.buffer = self.buffer[4 : 4 + size], self.buffer[4 + size :]
                    try:
                        return json.loads(data.decode("utf-8"))
                    except (ValueError, RecursionError) as exc:
                        raise ProtocolError(f"not JSON ({type(exc).__name__})") from None
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EOFError
            self.buffer += chunk

    # -- calls --------------------------------------------------------------------------------
    def call(self, name: str, args: Sequence[Any], timeout: float | None = None) -> Reply:
        """Call `name(*args)` in the worker; never raises for anything the submission does."""
        limit = self.limits.time_limit if timeout is None else timeout
        if not self.alive():
            self.restarts += 1
            try:
                self.start()
            except SandboxError as exc:
                return Reply("crashed", message=f"could not restart the worker: {exc}")
        self.next_id += 1
        call_id = self.next_id
        encoded = []
        for a in args:
            array = np.asarray(a, dtype=np.float64)
            encoded.append({"shape": list(array.shape), "values": array.ravel().tolist()})
        violations: list[str] = []
        started = time.monotonic()
        deadline = started + limit
        try:
            self._send({"t": "call", "id": call_id, "name": name, "args": encoded}, deadline)
            while True:
                frame = self._receive(deadline)
                if type(frame) is dict and frame.get("t") == "violation":
                    what = frame.get("what")
                    if type(what) is not str:
                        raise ProtocolError("bad violation notice")
                    if len(violations) < MAX_NOTICES:
                        violations.append(one_line(what))
                    continue
                reply = parse_reply(frame, call_id)
                break
        except TimeoutError:
            self.close()
            return Reply(
                "timeout", message=f"timed out after {limit:g} s", seconds=limit, violations=violations
            )
        except (EOFError, OSError):
            code = self._exit_code()
            self.close()
            return Reply(
                "crashed",
                message=f"ended the worker process ({code})",
                seconds=time.monotonic() - started,
                violations=violations,
            )
        except (ProtocolError, OverflowError) as exc:
            self.close()
            return Reply(
                "protocol",
                message=one_line(f"the worker sent a malformed reply ({exc})"),
                seconds=time.monotonic() - started,
                violations=violations,
            )
        reply.seconds = time.monotonic() - started
        reply.violations = violations
        if reply.kind == "exit":
            self.close()
        return reply
