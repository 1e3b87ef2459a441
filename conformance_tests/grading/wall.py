"""The wall around student code: bubblewrap (bwrap), a maintained tool packaged by Debian.

Inside, the worker sees a read-only Python installation (the interpreter, its standard library
and site-packages, /usr), the student's one file at /submission/submission.py (a read-only copy
made from the bytes the grader read), a private tmpfs /sandbox as its working folder and the
only place it can write (the root and /dev are remounted read-only), a /proc of its own PID
namespace and a minimal /dev. It runs as an unprivileged uid (65534 unless [sandbox].user
names another) in new user, mount, PID, network, IPC, UTS and cgroup namespaces,
in a new session, with every capability dropped, under a seccomp filter that refuses new
processes (no_new_processes; threads stay allowed). The grader, the grading file, the reports,
rlspec's files, other students and the host's /tmp do not exist there. When the namespace's
first process dies the kernel kills every process in it: nothing the student starts outlives
the worker.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import site
import struct
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from pathlib import Path

SCRATCH = "/sandbox"
SUBMISSION = "/submission/submission.py"
UNPRIVILEGED = 65534  # nobody
TOP_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
PROBE_SECONDS = 30.0
LATE_OPTIONS = ("--size", "--perms", "--disable-userns")
# seccomp: the audit architecture and the process-creating system calls, per machine
SYSCALLS = {
    "x86_64": (0xC000003E, {"fork": 57, "vfork": 58, "clone": 56, "clone3": 435}),
    "aarch64": (0xC00000B7, {"clone": 220, "clone3": 435}),
}
X32_BIT = 0x40000000
CLONE_THREAD = 0x00010000
EPERM, ENOSYS = 1, 38
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
LD_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06  # classic BPF opcodes (32-bit loads)


class WallError(Exception):
    """The wall cannot be built here: one line saying what is missing."""


def python_roots() -> list[Path]:
    """The folders of the Python installation the worker needs: the interpreter's prefixes, the
    standard library and every site-packages (never the current folder or a test's sys.path)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths.update(
        str(v)
        for k, v in sysconfig.get_paths().items()
        if k in ("stdlib", "platstdlib", "purelib", "platlib")
    )
    paths.update(site.getsitepackages())
    paths.add(str(Path(sys.executable).resolve().parent))
    resolved = sorted({Path(p).resolve() for p in paths if p and Path(p).is_dir()})
    outside_usr = [p for p in resolved if Path("/usr") not in (p, *p.parents)]
    return [p for p in outside_usr if not any(q in p.parents for q in outside_usr)]


def rlspec_package() -> Path:
    return Path(__file__).resolve().parents[2]


def _hide(path: Path, roots: Sequence[Path]) -> list[str]:
    """Arguments hiding `path` when it lies inside a bound folder (an empty tmpfs over a folder,
    /dev/null over a file); nothing when it is not visible anyway."""
    path = path.resolve()
    if not any(r == path or r in path.parents for r in roots):
        return []
    if path.is_dir():
        return ["--tmpfs", str(path)]
    if path.exists():
        return ["--ro-bind", "/dev/null", str(path)]
    return []


def filesystem(hide: Iterable[Path]) -> list[str]:
    """The read-only view of the system: /usr, the top-level links or folders into it, the
    Python roots outside /usr, the dynamic loader's cache; then `hide` (rlspec's package and the
    instructor's files, when an installation folder happens to hold them) masked."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in TOP_LINKS:
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    if Path("/etc/ld.so.cache").is_file():
        args += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    roots = python_roots()
    for root in roots:
        args += ["--ro-bind", str(root), str(root)]
    bound = [Path("/usr"), *roots]
    for path in [rlspec_package(), *hide]:
        args += _hide(Path(path), bound)
    return args


@functools.lru_cache(maxsize=8)
def late_options(program: str) -> frozenset[str]:
    """Which of bwrap's later options this bwrap knows (from its --help): --size (0.8: the
    scratch folder's size limit), --perms, --disable-userns (0.8). Without them the wall is
    built all the same, without those refinements."""
    try:
        done = subprocess.run([program, "--help"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(o for o in LATE_OPTIONS if o in done.stdout + done.stderr)


def command(
    argv: Sequence[str],
    *,
    uid: int = UNPRIVILEGED,
    gid: int = UNPRIVILEGED,
    env: dict[str, str] | None = None,
    hide: Iterable[Path] = (),
    scratch_bytes: int = 16 * 2**20,
    submission_fd: int | None = None,
    info_fd: int | None = None,
    seccomp_fd: int | None = None,
) -> list[str]:
    """The bwrap command line running `argv` inside the wall."""
    program = shutil.which("bwrap") or "bwrap"
    late = late_options(program)
    args = [
        program,
        "--unshare-all",
        "--unshare-user",
        "--uid", str(uid),
        "--gid", str(gid),
        "--die-with-parent",
        "--new-session",
        "--cap-drop", "ALL",
        "--clearenv",
    ]  # fmt: skip
    if "--disable-userns" in late:  # no user namespace inside: less of the kernel within reach
        args.append("--disable-userns")
    for key, value in (env or {}).items():
        args += ["--setenv", key, value]
    args += filesystem(hide)
    args += ["--proc", "/proc", "--dev", "/dev"]
    if "--size" in late:
        args += ["--size", str(scratch_bytes)]
    args += ["--perms", "0700"] if "--perms" in late else []
    args += ["--tmpfs", SCRATCH]
    if submission_fd is not None:
        args += ["--perms", "0444"] if "--perms" in late else []
        args += ["--ro-bind-data", str(submission_fd), SUBMISSION]
    if info_fd is not None:
        args += ["--info-fd", str(info_fd)]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    # bwrap's root and /dev are tmpfs without a size limit: read-only, the scratch folder is the
    # only place the worker can write (the devices are mounts of their own and stay usable)
    args += ["--remount-ro", "/dev", "--remount-ro", "/"]
    args += ["--chdir", SCRATCH, "--", *argv]
    return args


def no_new_processes() -> bytes | None:
    """A seccomp filter (classic BPF, as bwrap --seccomp reads it) refusing every new process:
    fork, vfork, and clone without CLONE_THREAD get EPERM; clone3 gets ENOSYS, so that libc
    falls back to clone (clone3's flags are in memory a filter cannot read). Threads stay
    allowed (BLAS). None on a machine without a table above (then the PID namespace alone
    ends what the worker starts)."""
    known = SYSCALLS.get(platform.machine())
    if known is None:
        return None
    arch, numbers = known
    # (opcode, k, label if true, label if false); labels resolve to relative jumps below
    prog: list[tuple[int, int, str | None, str | None]] = [
        (LD_ABS, 4, None, None),  # seccomp_data.arch
        (JEQ, arch, None, "deny"),
        (LD_ABS, 0, None, None),  # seccomp_data.nr
    ]
    if platform.machine() == "x86_64":
        prog.append((JGE, X32_BIT, "deny", None))
    prog += [(JEQ, numbers[name], "deny", None) for name in ("fork", "vfork") if name in numbers]
    prog += [
        (JEQ, numbers["clone3"], "nosys", None),
        (JEQ, numbers["clone"], None, "allow"),
        (LD_ABS, 16, None, None),  # low 32 bits of clone's flags (little-endian)
        (JSET, CLONE_THREAD, "allow", "deny"),
    ]
    returns = {"allow": RET_ALLOW, "deny": RET_ERRNO | EPERM, "nosys": RET_ERRNO | ENOSYS}
    at = {label: len(prog) + i for i, label in enumerate(returns)}
    out = b""
    for pc, (code, k, yes, no) in enumerate(prog):
        jt = at[yes] - pc - 1 if yes else 0
        jf = at[no] - pc - 1 if no else 0
        out += struct.pack("=HBBI", code, jt, jf, k)
    return out + b"".join(struct.pack("=HBBI", RET, 0, 0, value) for value in returns.values())


def memory_file(name: str, data: bytes) -> int:
    """A descriptor of an anonymous in-memory file holding `data`, read from its start (how bwrap
    receives the submission's bytes and the seccomp filter)."""
    fd = os.memfd_create(name)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def through_descriptor(argv: Sequence[str]) -> tuple[list[str], int]:
    """The same bwrap command with its options read from a descriptor (bwrap --args), so that
    the sandbox's /proc/1/cmdline shows `bwrap --args N -- COMMAND`, not the folders it binds."""
    end = list(argv).index("--")
    fd = memory_file("arguments", b"".join(a.encode("utf-8") + b"\0" for a in argv[1:end]))
    return [argv[0], "--args", str(fd), *argv[end:]], fd


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no message"


@functools.lru_cache(maxsize=4)
def probe(uid: int = UNPRIVILEGED, gid: int = UNPRIVILEGED) -> None:
    """Build the wall once around a trivial command; WallError (one line) if it cannot be built."""
    if shutil.which("bwrap") is None:
        raise WallError("bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)")
    check = f"import os, numpy; assert os.getuid() == {uid}, 'not running as uid {uid}'"
    rules = no_new_processes()
    seccomp = None if rules is None else memory_file("seccomp", rules)
    argv = command([sys.executable, "-I", "-B", "-c", check], uid=uid, gid=gid, seccomp_fd=seccomp)
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=PROBE_SECONDS,
            check=False,
            pass_fds=() if seccomp is None else (seccomp,),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WallError(f"bwrap could not be run ({exc})") from None
    finally:
        if seccomp is not None:
            os.close(seccomp)
    if done.returncode != 0:
        why = _last_line(done.stderr)
        if any(w in why.lower() for w in ("namespace", "permission", "not permitted", "uid map")):
            why += "; it needs user namespaces (see the README: kernel settings, containers)"
        raise WallError(f"bwrap cannot build the sandbox here: {why}")
