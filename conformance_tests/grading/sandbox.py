"""The worker, parent side. With the wall (the default) the worker runs inside bubblewrap
(wall.py); with --unsafe-no-sandbox it runs as a plain process in a fresh temporary folder,
guarded only by the audit hook of child.py. Either way the parent talks to it in length-prefixed
JSON frames over raw pipes (protocol.py), with size limits, a deadline and a strict schema, and
accepts plain data only: the names of its functions, and per call a status with either a message
or a shape and a list of numbers. Anything else ends the worker ("protocol") and the call fails.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlspec.conformance_tests.grading import wall
from rlspec.conformance_tests.grading.protocol import (
    MAX_NOTICES,
    ProtocolError,
    Reply,
    one_line,
    parse_reply,
    receive_frame,
    scrubbed,
    send_frame,
    valid_name,
)

__all__ = ["Limits", "ProtocolError", "Reply", "SandboxError", "SandboxWorker", "parse_reply"]

CHILD = Path(__file__).with_name("child.py")
PACKAGES = ("oracle", "reference", "spec", "conformance_tests")
CTYPES_HINT = " (ctypes, which scipy needs, is off while grading: see [sandbox].ctypes)"
ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


class SandboxError(Exception):
    """The submission could not be started (import failed, timed out, crashed): one line."""


@dataclass(frozen=True)
class Limits:
    time_limit: float = 5.0
    import_time_limit: float = 30.0
    memory_mb: int = 1024
    cpu_seconds: float = 300.0
    file_size: int = 0


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


class SandboxWorker:
    """A restartable worker hosting one submission file: inside the wall unless `walled` is
    false (the instructor's --unsafe-no-sandbox)."""

    def __init__(
        self,
        submission: Path,
        limits: Limits,
        *,
        forbid: Sequence[str | Path] = (),
        preload: Sequence[str] = (),
        allow_ctypes: bool = False,
        user: str = "",
        walled: bool = True,
    ) -> None:
        self.submission = Path(submission)
        self.limits = limits
        self.walled = walled
        self.base = Path(tempfile.gettempdir())
        self.hidden_paths = [Path(p) for p in forbid]
        self.forbidden = [] if walled else forbidden_paths(forbid, self.base)
        self.preload = list(preload)
        self.allow_ctypes = allow_ctypes
        self.ids: tuple[int, int] | None = None  # (uid, gid) the worker runs as
        if user and (walled or os.geteuid() == 0):
            import pwd

            entry = pwd.getpwnam(user)
            self.ids = (entry.pw_uid, entry.pw_gid)
        elif walled:
            self.ids = (wall.UNPRIVILEGED, wall.UNPRIVILEGED)
        self.process: subprocess.Popen[bytes] | None = None
        self.folder: Path | None = None
        self.info_fd: int | None = None  # bwrap's --info-fd: the sandbox's first process
        self.names: frozenset[str] = frozenset()
        self.import_violations: list[str] = []  # notices sent while importing (every start)
        self.restarts = 0
        self.next_id = 0
        self.buffer = b""

    # -- process ------------------------------------------------------------------------------
    def _source(self) -> bytes:
        try:
            return self.submission.read_bytes()
        except OSError as exc:
            raise SandboxError(
                f"cannot read the submission {self.submission}: {exc.strerror or exc}"
            ) from None

    def _launch_walled(self) -> dict[str, Any]:
        """Start the worker inside bubblewrap; the host-specific part of its setup frame."""
        assert self.ids is not None
        data = wall.memory_file("submission", self._source())
        rules = wall.no_new_processes()
        seccomp = None if rules is None else wall.memory_file("seccomp", rules)
        info_read, info_write = os.pipe()
        fds: tuple[int, ...] = (data, info_write) if seccomp is None else (data, info_write, seccomp)
        try:
            argv = wall.command(
                [sys.executable, "-I", "-B", "-c", CHILD.read_text(encoding="utf-8")],
                uid=self.ids[0],
                gid=self.ids[1],
                env={**ENV, "HOME": wall.SCRATCH, "TMPDIR": wall.SCRATCH},
                hide=self.hidden_paths,
                scratch_bytes=8 * 2**20 + 4 * self.limits.file_size,
                submission_fd=data,
                info_fd=info_write,
                seccomp_fd=seccomp,
            )
            argv, arguments = wall.through_descriptor(argv)
            fds += (arguments,)
            self.process = self._popen(argv, None, None, fds)
        except BaseException:
            os.close(info_read)
            raise
        finally:
            for fd in fds:
                os.close(fd)
        os.set_blocking(info_read, False)
        self.info_fd = info_read
        return {"submission": wall.SUBMISSION, "sandbox": wall.SCRATCH, "forbidden": [], "user": None}

    def _launch_unsafe(self) -> dict[str, Any]:
        """Start the worker as a plain process in a fresh temporary folder (no wall)."""
        folder = Path(tempfile.mkdtemp(prefix="rlspec-sandbox-", dir=self.base))
        self.folder = folder
        (folder / "submission.py").write_bytes(self._source())
        if self.ids is not None:
            for path in (folder, folder / "submission.py"):
                os.chown(path, *self.ids)
        env = {**ENV, "HOME": str(folder), "TMPDIR": str(folder)}
        argv = [sys.executable, "-I", "-B", "-c", CHILD.read_text(encoding="utf-8")]
        self.process = self._popen(argv, folder, env, ())
        return {
            "submission": str(folder / "submission.py"),
            "sandbox": str(folder.resolve()),
            "forbidden": self.forbidden,
            "user": None if self.ids is None else list(self.ids),
        }

    @staticmethod
    def _popen(
        argv: list[str], cwd: Path | None, env: dict[str, str] | None, fds: tuple[int, ...]
    ) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env=env if env is not None else {"PATH": ENV["PATH"]},
            close_fds=True,
            pass_fds=fds,
            start_new_session=True,
        )

    def start(self) -> frozenset[str]:
        """Start a fresh worker; the names of the submission's public callables.
        SandboxError (one line) if it cannot be imported."""
        self.close()
        where = self._launch_walled() if self.walled else self._launch_unsafe()
        self.buffer = b""
        setup = {
            **where,
            "packages": list(PACKAGES),
            "preload": self.preload,
            "ctypes": self.allow_ctypes,
            "limits": {
                "memory_bytes": self.limits.memory_mb * 2**20,
                "cpu_seconds": max(1, math.ceil(self.limits.cpu_seconds)),
                "file_size": self.limits.file_size,
            },
        }
        deadline = time.monotonic() + self.limits.import_time_limit
        try:
            self._send(setup, deadline)
            return self._await_ready(deadline)
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

    def _await_ready(self, deadline: float) -> frozenset[str]:
        while True:
            frame = self._receive(deadline)
            kind = frame.get("t") if type(frame) is dict else None
            if kind == "violation" and type(frame.get("what")) is str:
                if len(self.import_violations) < MAX_NOTICES:
                    self.import_violations.append(one_line(frame["what"]))
                continue
            if kind == "ready" and type(frame.get("names")) is list and len(frame["names"]) <= 100_000:
                self.names = frozenset(n for n in frame["names"] if valid_name(n))
                return self.names
            if kind == "import_error" and type(frame.get("message")) is str:
                self.close()
                message = scrubbed(frame["message"])
                if not self.allow_ctypes and ("ctypes" in message or "CFUNCTYPE" in message):
                    message = "it needs ctypes (scipy does), which is off: [sandbox].ctypes = false"
                raise SandboxError(f"importing the submission failed: {message}")
            raise ProtocolError("unexpected frame at start-up")

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
        if self.walled and code > 128:
            code = 128 - code  # bwrap exits with 128 + n when its command is killed by signal n
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
            return f"killed by signal {-code}"
        return f"exit code {code}"

    def _sandbox_pid(self) -> int | None:
        """The pid (on the host) of the sandbox's first process, from bwrap's --info-fd."""
        fd, self.info_fd = self.info_fd, None
        if fd is None:
            return None
        try:
            info = json.loads(os.read(fd, 4096).decode("utf-8"))
            pid = info.get("child-pid") if type(info) is dict else None
            return pid if type(pid) is int and pid > 1 else None
        except (OSError, ValueError):
            return None
        finally:
            os.close(fd)

    def close(self) -> None:
        """End the worker and everything it started. Inside the wall: kill the PID namespace's
        first process (the kernel then kills every process in the namespace) and wait for bwrap,
        which exits only when that process is gone; so when close returns, nothing is left."""
        process, self.process = self.process, None
        sandbox_pid = self._sandbox_pid()
        if process is not None:
            if sandbox_pid is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(sandbox_pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(10.0)
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
        send_frame(self.process.stdin.fileno(), obj, deadline)

    def _receive(self, deadline: float) -> Any:
        """One frame from the worker, parsed as JSON; TimeoutError, EOFError or ProtocolError."""
        assert self.process is not None and self.process.stdout is not None
        frame, self.buffer = receive_frame(self.process.stdout.fileno(), self.buffer, deadline)
        return frame

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
