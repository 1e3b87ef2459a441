"""The grading worker: hosts ONE untrusted submission. Standalone (stdlib + numpy only).

The parent (sandbox.py) runs this file's text as `python -I -B -c <text>`, inside the wall
(wall.py: bubblewrap; the student's file at /submission/submission.py, the working folder a
private tmpfs) unless the instructor chose --unsafe-no-sandbox, with a scrubbed environment,
stdin/stdout as the protocol pipes and stderr on /dev/null. None of rlspec's packages is ever
imported here, so the process holds no expected value, no hidden seed and no oracle: only the
inputs it is sent. The audit hook below is a second layer and the source of clear messages
("importing ctypes is not allowed"); the wall is the operating system's.

Start-up, in this order: read the setup frame; move the protocol to private descriptors and
point 0, 1, 2 at /dev/null (the submission's prints go nowhere); import numpy; set resource
limits; install the audit hook (PEP 578: it cannot be removed from Python); import the
submission; reply "ready".

Frames both ways: 4-byte big-endian length, then UTF-8 JSON. The parent never unpickles.
  parent -> worker: {"t": "call", "id": n, "name": str, "args": [{"shape": [...], "values": [...]}]}
  worker -> parent: {"t": "ready", "names": [...]} | {"t": "import_error", "message": str}
                    {"t": "violation", "what": str}      (sent by the hook, before it refuses)
                    {"t": "reply", "id": n, "status": "ok", "shape": [...], "values": [...]}
                    {"t": "reply", "id": n, "status": "raised"|"bad_output"|"exit", "message": str}
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import signal
import stat
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

MESSAGE_LIMIT = 300
MAX_FRAME = 64 * 2**20


class SandboxViolation(PermissionError):
    """Raised by the audit hook when the submission touches something it may not."""


def _read_exact(fd: int, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = os.read(fd, n - len(out))
        if not chunk:
            raise EOFError
        out += chunk
    return out


def read_frame(fd: int) -> Any:
    size = int.from_bytes(_read_exact(fd, 4), "big")
    if size > MAX_FRAME:
        raise EOFError
    return json.loads(_read_exact(fd, size).decode("utf-8"))


def write_frame(fd: int, obj: Any) -> None:
    data = json.dumps(obj, allow_nan=True).encode("utf-8")
    data = len(data).to_bytes(4, "big") + data
    while data:
        data = data[os.write(fd, data) :]


def one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


def set_limits(limits: dict[str, int]) -> None:
    """Resource limits; soft = hard, so the submission cannot raise them again (and the audit
    hook refuses resource.setrlimit, which root could otherwise use)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing past the limit: an error, not a kill
    memory = limits["memory_bytes"]
    table = [
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_DATA, memory),
        (resource.RLIMIT_CPU, limits["cpu_seconds"]),
        (resource.RLIMIT_FSIZE, limits["file_size"]),
        (resource.RLIMIT_NOFILE, 64),
        (resource.RLIMIT_CORE, 0),
    ]
    if os.geteuid() != 0:  # root ignores RLIMIT_NPROC; the hook refuses fork and spawn anyway
        table.append((resource.RLIMIT_NPROC, 0))
    for which, value in table:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY and value > hard:
            value = hard
        resource.setrlimit(which, (value, value))


def install_hook(notify_fd: int, sandbox: str, forbidden: list[str], packages: list[str]) -> None:
    """The audit hook. Everything it uses is bound here, in its closure, from the originals:
    the submission can replace builtins, os.path or json, but not what the hook already holds.
    Any exception inside the hook refuses the operation (fail closed)."""
    _lstat, _readlink, _getcwd, _write = os.lstat, os.readlink, os.getcwd, os.write
    _islnk, _isdir, _stat, _join, _decode = stat.S_ISLNK, stat.S_ISDIR, os.stat, str.join, bytes.decode
    _len, _isinstance, _str, _bytes, _int, _bool = len, isinstance, str, bytes, int, bool
    _tuple, _reversed, _any, _type, _Violation = tuple, reversed, any, type, SandboxViolation
    _pid = os.getpid()
    roots = _tuple(forbidden)
    top_packages = frozenset(packages)
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    safe = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ./_-:,=()'")
    refused = frozenset(
        {
            "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
            "os.startfile", "subprocess.Popen", "pty.spawn", "os.kill", "os.killpg",
            "signal.pthread_kill", "resource.setrlimit", "resource.prlimit", "sys.addaudithook",
            "gc.get_objects", "gc.get_referrers", "gc.get_referents", "os.setuid", "os.setgid",
            "os.setreuid", "os.setregid", "os.setresuid", "os.setresgid", "os.setsid",
            "os.chroot", "webbrowser.open", "urllib.Request", "ftplib.connect", "http.client.connect",
            "smtplib.connect", "imaplib.open", "poplib.connect", "nntplib.connect", "telnetlib.Telnet.open",
        }
    )  # fmt: skip
    write_events = frozenset(
        {
            "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.truncate",
            "os.chmod", "os.chown", "os.utime", "os.chflags", "os.lchflags", "os.setxattr",
            "os.removexattr", "shutil.rmtree", "shutil.copyfile", "shutil.copymode",
            "shutil.copystat", "shutil.move", "shutil.chown", "os.mkfifo", "os.mknod",
        }
    )  # fmt: skip
    list_events = frozenset({"os.listdir", "os.scandir", "glob.glob", "glob.glob/2", "os.chdir", "os.walk"})

    def plain(value: Any) -> str | None:
        """An exact str for a str or bytes path (methods of subclasses are never called)."""
        if _isinstance(value, _str):
            return _join("", (value,))
        if _isinstance(value, _bytes):
            return _decode(value, "utf-8", "surrogateescape")  # the buffer, never __bytes__
        return None

    def resolve(path: str, follow: bool = True) -> str:
        """The canonical absolute path (symbolic links followed unless `follow` is false), with
        the hook's own tools."""
        if not path.startswith("/"):
            path = _getcwd() + "/" + path
        pending = path.split("/")
        pending.reverse()
        parts: list[str] = []
        links = 0
        while pending:
            part = pending.pop()
            if part in ("", "."):
                continue
            if part == "..":
                if parts:
                    parts.pop()
                continue
            candidate = "/" + "/".join([*parts, part])
            try:
                is_link = follow and _islnk(_lstat(candidate).st_mode)
            except OSError:
                is_link = False
            if is_link:
                links += 1
                if links > 40:
                    raise _Violation(f"too many symbolic links in {path}")
                target = _readlink(candidate)
                if target.startswith("/"):
                    parts = []
                for t in _reversed(target.split("/")):
                    pending.append(t)
                continue
            parts.append(part)
        return "/" + "/".join(parts)

    def inside(path: str, root: str) -> bool:
        return path == root or path.startswith(root + "/") or root == "/"

    def refuse(what: str) -> None:
        text = _join("", [c if c in safe else "?" for c in what[:300]])
        data = ('{"t": "violation", "what": "' + text + '"}').encode("utf-8")
        try:
            _write(notify_fd, _len(data).to_bytes(4, "big") + data)
        finally:
            raise _Violation(f"rlspec grading: {what} is not allowed")

    def forbidden_path(path: str) -> str | None:
        for root in roots:
            if inside(path, root):
                return root
        if path.startswith("/proc/"):
            head = path[6:].split("/")[0]
            if head.isdigit() and _int(head) != _pid:
                return "/proc/" + head
        return None

    def check_path(event: str, value: Any, writing: bool) -> None:
        if value is None or (_isinstance(value, _int) and not _isinstance(value, _bool)):
            return  # a descriptor it already holds, or the current folder
        text = plain(value)
        if text is None:
            refuse(f"{event} with a path of type {_type(value).__name__} (give a str)")
            return
        path = resolve(text)
        for seen in (resolve(text, False), path):  # /proc/<pid>/cwd/... is a link out of /proc
            if forbidden_path(seen) is not None:
                refuse(f"{'writing' if writing else 'reading'} {seen}")
        if writing and not inside(path, sandbox) and path != "/dev/null":
            refuse(f"writing {path} (only the working folder is writable)")
        if event == "open" and not inside(path, sandbox):
            # A folder's descriptor would let os.open(..., dir_fd=fd) reach any file by a
            # relative path the hook cannot see (the audit event does not carry dir_fd).
            try:
                folder = _isdir(_stat(path).st_mode)
            except OSError:
                folder = False
            if folder:
                refuse(f"opening the folder {path}")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        event = plain(event) or ""
        if event == "open":
            mode, flags = (args[1], args[2]) if _len(args) >= 3 else (None, 0)
            mode_text = plain(mode) or ""
            writing = _any(c in mode_text for c in "wax+") or (
                _isinstance(flags, _int) and _bool(flags & write_flags)
            )
            check_path("open", args[0], writing)
        elif event == "import":
            name = plain(args[0]) or ""
            if name.split(".")[0] in top_packages:
                refuse(f"importing {name} (rlspec's own code)")
            if name in ("ctypes", "_ctypes", "_posixsubprocess", "cffi", "_cffi_backend"):
                refuse(f"importing {name}")
        elif event in refused or event.startswith(
            ("socket.", "ctypes.", "subprocess.", "os.exec", "os.spawn")
        ):
            refuse(f"{event} (processes, signals, sockets, ctypes and limits are off limits)")
        elif event in write_events:
            for value in args:
                if _isinstance(value, (_str, _bytes)):
                    check_path(event, value, True)
        elif event in list_events and args:
            check_path(event, args[0], False)

    sys.addaudithook(hook)


def disarm_fork_exec() -> None:
    """subprocess and multiprocessing fork through _posixsubprocess.fork_exec, which raises no
    audit event in Python 3.11. Import it now (numpy.testing and many libraries import
    subprocess) and replace it with a stub that raises one, which the hook refuses. Importing
    _posixsubprocess afresh (after removing it from sys.modules) is refused by the hook."""
    import _posixsubprocess
    import subprocess

    audit = sys.audit

    def fork_exec(*args: Any, **kwargs: Any) -> Any:
        audit("subprocess.fork_exec")
        raise SandboxViolation("rlspec grading: starting processes is not allowed")

    _posixsubprocess.fork_exec = fork_exec
    subprocess._fork_exec = fork_exec  # type: ignore[attr-defined]


def load_submission(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("submission", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["submission"] = module
    spec.loader.exec_module(module)
    return module


def call(np: Any, fn: Callable[..., Any], call_id: int, args: list[dict[str, Any]]) -> dict[str, Any]:
    """Run one call; convert the result here to a plain float64 array (an ndarray subclass,
    __array__, __float__, __eq__ tricks end as numbers or as bad_output)."""
    inputs = []
    for a in args:
        array = np.asarray(a["values"], dtype=np.float64).reshape(a["shape"])
        inputs.append(np.float64(array) if array.ndim == 0 else array)
    reply: dict[str, Any] = {"t": "reply", "id": call_id}
    try:
        result = fn(*inputs)
    except SystemExit as exc:
        return {**reply, "status": "exit", "message": one_line(f"called sys.exit({exc.code!r})")}
    except BaseException as exc:
        return {**reply, "status": "raised", "message": one_line(f"raised {type(exc).__name__}: {exc}")}
    try:
        array = np.asarray(result)
        if array.dtype.kind not in "biuf":
            what = f"returned {type(result).__name__} of dtype {array.dtype}, not numbers"
            return {**reply, "status": "bad_output", "message": one_line(what)}
        plain = np.array(array, dtype=np.float64, copy=True, subok=False)
        values = [float(x) for x in plain.ravel().tolist()]
        shape = [int(n) for n in plain.shape]
    except SystemExit as exc:
        return {**reply, "status": "exit", "message": one_line(f"called sys.exit({exc.code!r})")}
    except BaseException as exc:
        what = f"the returned {type(result).__name__} is not numbers: {type(exc).__name__}: {exc}"
        return {**reply, "status": "bad_output", "message": one_line(what)}
    return {**reply, "status": "ok", "shape": shape, "values": values}


def start(setup: dict[str, Any], wfd: int) -> ModuleType | None:
    """Everything before the first call; the submission's module, or None after an import_error."""
    if setup["ctypes"]:
        import ctypes  # noqa: F401  (loaded before the hook, so `import ctypes` and scipy work)
    else:
        # Without ctypes the submission cannot poke at memory (ctypes' memmove and cast raise no
        # audit event); the hook refuses importing it again.
        sys.modules["ctypes"] = None  # type: ignore[assignment]
        sys.modules["_ctypes"] = None  # type: ignore[assignment]
    import numpy  # noqa: F401

    for name in setup["preload"]:
        try:
            importlib.import_module(name)
        except BaseException as exc:
            what = f"preloading {name} failed ({type(exc).__name__}: {exc}); [sandbox].ctypes = true may help"
            write_frame(wfd, {"t": "import_error", "message": one_line(what)})
            return None
    disarm_fork_exec()
    forbidden = setup["forbidden"]
    sys.path[:] = [p for p in sys.path if not any(p == r or p.startswith(r + "/") for r in forbidden)]
    if setup["user"] is not None:
        # Without the wall, a second line: code that got past the hook reads only what this
        # user can.
        uid, gid = setup["user"]
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    set_limits(setup["limits"])
    install_hook(wfd, setup["sandbox"], forbidden, setup["packages"])
    try:
        return load_submission(setup["submission"])
    except BaseException as exc:
        write_frame(wfd, {"t": "import_error", "message": one_line(f"{type(exc).__name__}: {exc}")})
        return None


def serve(rfd: int, wfd: int, module: ModuleType) -> None:
    """Answer calls until the parent closes the pipe. Nothing of the setup is in reach here."""
    import numpy as np

    names = sorted(str(n) for n, v in vars(module).items() if not str(n).startswith("_") and callable(v))
    write_frame(wfd, {"t": "ready", "names": names})
    while True:
        try:
            message = read_frame(rfd)
        except EOFError:
            return
        started = time.perf_counter()
        fn = getattr(module, message["name"], None)
        if fn is None:
            reply = {"t": "reply", "id": message["id"], "status": "raised", "message": "no such function"}
        else:
            reply = call(np, fn, message["id"], message["args"])
        reply["seconds"] = time.perf_counter() - started
        write_frame(wfd, reply)
        if reply["status"] == "exit":
            return


def main() -> None:
    rfd, wfd = os.dup(0), os.dup(1)
    setup = read_frame(rfd)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    module = start(setup, wfd)
    del setup
    if module is not None:
        serve(rfd, wfd, module)


if __name__ == "__main__":
    main()
