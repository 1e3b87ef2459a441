"""`rlspec grade` with the wall up (bubblewrap): one adversarial submission per mechanism of
issue 13, each graded with exactly the points it deserves, none leaking a hidden instance, the
hidden seed or the grading file into what students see, nothing outside the sandbox changed and
no process left behind; honest numpy and scipy submissions get full marks; a class grades in one
command; without the wall `rlspec grade` refuses in one line.

These tests need bubblewrap and user namespaces (CI installs bubblewrap: .ci/run). Where the
wall cannot be built they fail with one line saying why; they never skip.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rlspec.conformance_tests.compare import compare
from rlspec.conformance_tests.engine import instance_inputs
from rlspec.conformance_tests.grading import cases as grading_cases
from rlspec.conformance_tests.grading import config as grading_config
from rlspec.conformance_tests.grading import wall
from rlspec.conformance_tests.grading.grade import main
from rlspec.conformance_tests.selection import registered
from rlspec.conformance_tests.sources import LiveOracle
from rlspec.conformance_tests.strategies import build, family_options
from rlspec.conformance_tests.worker import CallResult
from tests.grading.test_grading import (
    CONFIG,
    PASS_OTHERS,
    POINTS,
    SUBMISSIONS,
    Run,
    check_gradescope,
    check_run,
)
from tests.grading.test_grading import grade as grade_file

SECRET_SEED = "918273645"  # the hidden seed of these tests: distinctive, so a leak would show
WALL_CONFIG = CONFIG.replace("seed = 7919", f"seed = {SECRET_SEED}")
# the host's /tmp is invisible, unless the Python installation itself lives there
TMP_VISIBLE = any(Path("/tmp") in root.parents for root in wall.python_roots())
TMP_HIDDEN = () if TMP_VISIBLE else ("tmp=FileNotFoundError",)
MARKER = b"31415."  # in the command line of every process an attack tries to leave behind

WALL_ATTACKS: dict[str, tuple[dict[str, float], str, tuple[str, ...]]] = {
    # name: (points per formula, formula attacked, words its student message must contain)
    "subinterpreter": (
        {"mdp.v": 0.0, **PASS_OTHERS},
        "mdp.v",
        (
            "cfg=FileNotFoundError",
            "report=FileNotFoundError",
            *TMP_HIDDEN,
            "rlspec=FileNotFoundError",
        ),
    ),
    "dir_fd": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("wrong value",)),
    "aliased_extension": (
        {"mdp.v": 0.0, **PASS_OTHERS},
        "mdp.v",
        ("Operation not permitted" if wall.no_new_processes() else "spawned a shell in a new session",),
    ),
    "cross_formula_memory": (
        {"mdp.v": 2.0, "mdp.q": 1.5, "pg.objective": 0.0},
        "pg.objective",
        ("ValueError",),
    ),
    "neighbours": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("wrong value",)),
    "constant": ({"mdp.v": 0.0, "mdp.q": 0.0, "pg.objective": 0.0}, "mdp.q", ("wrong value",)),
    "stack_walk": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("found:",)),
    "scipy_module_level": (POINTS, "mdp.v", ("passed 2 of 2 visible cases",)),
}


def survivors() -> list[int]:
    """Processes whose command line carries an attack's marker."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if MARKER in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def visible_text(run: Run) -> str:
    doc = run.gradescope
    shown = [t["output"] + t["name"] for t in doc["tests"] if t["visibility"] != "hidden"]
    return doc["output"] + str(doc["execution_time"]) + "".join(shown)


def hidden_numbers(run: Run) -> set[str]:
    """repr of every number of every hidden instance graded (rebuilt from the report's seeds)."""
    out: set[str] = set()
    for f in run.report["formulas"]:
        formula = registered(f["id"])
        for c in f["cases"]:
            if c["hidden"]:
                built = build(formula.family, c["seed"], c["options"], (formula,))
                assert built is not None
                numbers = re.findall(r"-?\d+\.\d+(?:e-?\d+)?", json.dumps(built[0]))
                out.update(n for n in numbers if len(n.lstrip("-").replace(".", "")) >= 8)
    return out


def check_nothing_leaked(tmp_path: Path, run: Run) -> None:
    text = visible_text(run)
    assert SECRET_SEED not in text and "grading.toml" not in text and str(tmp_path) not in text
    leaked = [n for n in hidden_numbers(run) if n in text]
    assert not leaked, leaked
    assert (tmp_path / "grading.toml").read_text() == WALL_CONFIG
    assert (tmp_path / "victim.txt").read_text() == "still here"
    assert survivors() == []


@pytest.mark.parametrize("name", sorted(WALL_ATTACKS))
def test_wall_attack_gets_exactly_its_points(tmp_path: Path, name: str) -> None:
    expected, attacked, words = WALL_ATTACKS[name]
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "victim.txt").write_text("still here")
    run = grade_file(tmp_path, name, WALL_CONFIG)
    check_run(run, expected)
    message = next(
        t["output"]
        for t in run.gradescope["tests"]
        if t["name"].startswith(attacked + ":") and t["visibility"] == "visible"
    )
    for word in words:
        assert word in message, message
    check_nothing_leaked(tmp_path, run)
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["score"] == pytest.approx(sum(expected.values()), abs=1e-9)


def test_the_hook_is_bypassed_and_the_wall_holds(tmp_path: Path) -> None:
    """The aliased _posixsubprocess gets past the audit hook (no violation is reported); the
    kernel refuses the new process (seccomp), and would end it with the PID namespace."""
    run = grade_file(tmp_path, "aliased_extension", WALL_CONFIG)
    assert not run.formula("mdp.v")["violations"]
    assert survivors() == []


WALL_CHECK = """
import os, threading
try:
    os.fork()
    fork = "allowed"
except OSError as exc:
    fork = exc.strerror
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
userns = "allowed" if libc.unshare(0x10000000) == 0 else "refused"  # CLONE_NEWUSER
thread = threading.Thread(target=lambda: None)
thread.start()
thread.join()
pids = sorted(p for p in os.listdir("/proc") if p.isdigit())
init = open("/proc/1/cmdline", "rb").read().split(bytes(1))
hidden = init[1:4] == [b"--args", init[2], b"--"] and b"--unshare" + b"-all" not in init
top = ",".join(sorted(os.listdir("/")))
print(os.getuid(), fork, os.path.exists("/tmp"), top, len(pids), hidden, userns, sep="|")
"""


def test_inside_the_wall() -> None:
    """What a process inside sees: uid 65534, no new process, threads, no /tmp, only the
    Python installation's folders at the top, its own PID namespace (bwrap's init and itself),
    bwrap's arguments not in its init's command line (`bwrap --args N`), and no new user
    namespace (bwrap 0.8's --disable-userns)."""
    rules = wall.no_new_processes()
    seccomp = None if rules is None else wall.memory_file("seccomp", rules)
    command = wall.command([sys.executable, "-I", "-c", WALL_CHECK], seccomp_fd=seccomp)
    argv, arguments = wall.through_descriptor(command)
    fds = (arguments,) if seccomp is None else (arguments, seccomp)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=True, pass_fds=fds)
    finally:
        for fd in fds:
            os.close(fd)
    uid, fork, tmp, top, pids, argv_hidden, userns = done.stdout.strip().split("|")
    assert userns == ("refused" if "--disable-userns" in wall.late_options(argv[0]) else "allowed")
    assert (uid, tmp, pids, argv_hidden) == ("65534", str(TMP_VISIBLE), "2", "True")
    assert fork == ("Operation not permitted" if rules else "allowed")
    allowed = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "proc", "dev", "sandbox"}
    assert set(top.split(",")) <= allowed | {p.parts[1] for p in wall.python_roots()}


def test_scipy_without_ctypes_says_so_at_import(tmp_path: Path) -> None:
    config = WALL_CONFIG.replace("[visible]", "[sandbox]\nctypes = false\n\n[visible]", 1)
    run = grade_file(tmp_path, "scipy_module_level", config)
    check_run(run, {"mdp.v": 0.0, "mdp.q": 0.0, "pg.objective": 0.0})
    message = run.formula("mdp.v")["message"]
    assert message.endswith("it needs ctypes (scipy does), which is off: [sandbox].ctypes = false"), message


# ---- hidden cases per submission ---------------------------------------------------------------------


def _config(tmp_path: Path, text: str) -> grading_config.GradingConfig:
    path = tmp_path / "grading.toml"
    path.write_text(text)
    return grading_config.load(path)


def test_each_submission_grades_its_own_reproducible_hidden_subset(tmp_path: Path) -> None:
    cfg = _config(tmp_path, WALL_CONFIG)
    cases = grading_cases.prepare(cfg)
    spec = cfg.formulas[0]
    assert len(cases.pool[spec.id]) == spec.hidden * cfg.pool_factor == 8
    picks = {
        k: [c.pool_index for c in cases.hidden_for(spec, grading_cases.submission_key(k, b"x"))]
        for k in ("ann", "ben", "cal", "dee", "eve", "fay")
    }
    assert all(len(p) == spec.hidden and len(set(p)) == spec.hidden for p in picks.values())
    assert len({tuple(p) for p in picks.values()}) > 1  # not one subset for the class
    again = grading_cases.prepare(cfg)  # the instructor's report reproduces: same pool, same picks
    key = grading_cases.submission_key("ann", b"x")
    assert [c.seed for c in again.hidden_for(spec, key)] == [c.seed for c in cases.hidden_for(spec, key)]


# ---- points only for real answers ---------------------------------------------------------------------

NPG_CONFIG = (
    WALL_CONFIG.split("[[formula]]")[0]
    + """
[[formula]]
id = "npg.direction"
points = 1
options = { states = [1, 3], actions = [1, 3], gamma = [0.999] }
"""
)


def _constants(value: np.ndarray) -> Iterator[np.ndarray]:
    yield np.zeros_like(value)
    if value.size:
        yield np.full_like(value, (float(value.max()) + float(value.min())) / 2)


def test_no_case_is_passed_by_a_constant(tmp_path: Path) -> None:
    """Every case drawn fails both zero and the midrange constant; and at gamma = 0.999 the
    draw does meet npg.direction instances that zero would pass (so the filter is needed)."""
    cfg = _config(tmp_path, NPG_CONFIG)
    cases = grading_cases.prepare(cfg)
    f = registered("npg.direction")
    drawn = cases.visible[f.id] + cases.pool[f.id]
    for case in drawn:
        value = np.asarray(case.expected.value, dtype=np.float64)
        inputs = instance_inputs(f, case.raw)
        for constant in _constants(value):
            got = CallResult("ok", [float(x) for x in constant.ravel()], tuple(constant.shape))
            assert not compare(f, inputs, value, got).ok
    oracle, rejected = LiveOracle(cfg.dps), 0
    sizes, choices = family_options(f.family)
    rng = random.Random(1)
    for _ in range(30):
        options = {k: rng.randint(lo, min(hi, 3)) for k, (lo, hi) in sizes.items()}
        options.update({k: rng.choice(v) for k, v in choices.items()})
        built = build(f.family, rng.randrange(2**32), {**options, "gamma": 0.999}, (f,))
        if built is None:
            continue
        value = np.asarray(oracle.expected(f, built[0]).value, dtype=np.float64)
        zero = CallResult("ok", [0.0] * value.size, tuple(value.shape))
        if compare(f, instance_inputs(f, built[0]), value, zero).ok:
            assert grading_cases.trivial(f, built[0], value)
            rejected += 1
    assert rejected > 0


def test_a_constant_gets_nothing_even_where_tolerances_are_wide(tmp_path: Path) -> None:
    run = grade_file(tmp_path, "constant", NPG_CONFIG)
    check_run(run, {"npg.direction": 0.0})


# ---- a class in one command ----------------------------------------------------------------------------


def test_a_class_in_one_command(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    (folder / "bob").mkdir(parents=True)
    (folder / "alice.py").write_text((SUBMISSIONS / "correct_standalone.py").read_text())
    (folder / "mallory.py").write_text((SUBMISSIONS / "neighbours.py").read_text())
    (folder / "bob" / "anything.py").write_text((SUBMISSIONS / "scipy_module_level.py").read_text())
    config = tmp_path / "grading.toml"
    config.write_text(WALL_CONFIG)
    out = tmp_path / "grades"
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = main([str(folder), "--config", str(config), "--out", str(out), "--jobs", "3"])
    assert status == 0, err.getvalue()
    assert "[3/3]" in err.getvalue()  # progress on stderr
    total = sum(POINTS.values())
    expected = {"alice": total, "bob": total, "mallory": total - POINTS["mdp.v"]}
    with (out / "gradebook.csv").open() as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert {k: float(r["score"]) for k, r in rows.items()} == pytest.approx(expected)
    assert float(rows["mallory"]["mdp.v"]) == 0.0
    book: dict[str, Any] = json.loads((out / "gradebook.json").read_text())
    assert {s["student"]: s["score"] for s in book["students"]} == pytest.approx(expected)
    for student, score in expected.items():
        doc = json.loads((out / student / "results.json").read_text())
        check_gradescope(doc)
        assert doc["score"] == pytest.approx(score)
        assert json.loads((out / student / "report.json").read_text())["submission_key"].startswith(
            student + ":"
        )
    assert not [p for p in out.rglob(".*") if p.is_file()]  # no temporary file left behind


# ---- without the wall ------------------------------------------------------------------------------------


def _fake_bwrap(folder: Path, script: str | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if script is not None:
        path = folder / "bwrap"
        path.write_text(script)
        path.chmod(0o755)


@pytest.mark.parametrize(
    ("script", "words"),
    [
        (None, "bubblewrap (bwrap) is not installed"),
        (
            "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n",
            "No permissions to create new namespace",
        ),
    ],
)
def test_without_the_wall_grading_refuses_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str | None, words: str
) -> None:
    _fake_bwrap(tmp_path / "bin", script)
    config = tmp_path / "grading.toml"
    config.write_text(WALL_CONFIG)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    wall.probe.cache_clear()
    try:
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            status = main([str(SUBMISSIONS / "correct_standalone.py"), "--config", str(config)])
    finally:
        wall.probe.cache_clear()
    lines = err.getvalue().strip().splitlines()
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith("rlspec grade: refusing to run untrusted code without the sandbox")
    assert words in lines[0] and "--unsafe-no-sandbox" in lines[0]


def test_the_unsafe_option_grades_without_the_wall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_bwrap(tmp_path / "bin", None)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no bwrap at all
    wall.probe.cache_clear()
    try:
        run = grade_file(tmp_path / "graded", "correct_standalone", WALL_CONFIG, unsafe=True)
    finally:
        wall.probe.cache_clear()
    check_run(run, POINTS)
    assert run.report["sandbox"] == "none (--unsafe-no-sandbox)"


def test_the_worker_sees_only_python_its_file_and_its_scratch_folder() -> None:
    argv = wall.command(["true"])
    assert "--unshare-all" in argv and "--die-with-parent" in argv and "--new-session" in argv
    bound = {argv[i + 2] for i, a in enumerate(argv) if a == "--ro-bind"}
    root = Path(__file__).resolve().parents[2]
    assert not any(Path(b) == root or Path(b) in root.parents for b in bound)  # never the checkout
    assert os.environ.get("TMPDIR", "/tmp") not in bound and "/tmp" not in bound


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--gradescope", "r.json"], "--gradescope and --json are for one submission"),
        (["--jobs", "0"], "--jobs must be at least 1"),
    ],
)
def test_class_usage_errors_are_one_line(tmp_path: Path, extra: list[str], words: str) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "alice.py").write_text((SUBMISSIONS / "correct_standalone.py").read_text())
    config = tmp_path / "grading.toml"
    config.write_text(WALL_CONFIG)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = main([str(folder), "--config", str(config), *extra])
    lines = err.getvalue().strip().splitlines()
    assert status == 2 and len(lines) == 1 and words in lines[0], lines


def test_instructor_paths_inside_the_python_installation_are_masked(tmp_path: Path) -> None:
    """A folder or file of the instructor's that happens to lie inside a bound Python folder is
    covered (an empty tmpfs, /dev/null); one outside every bound folder needs nothing."""
    root = wall.python_roots()[0]
    folder, file = root / "lib", next(p for p in root.rglob("*.py"))
    args = wall.filesystem([folder, file, tmp_path])
    assert ["--tmpfs", str(folder.resolve())] == args[args.index(str(folder.resolve())) - 1 :][:2]
    assert ["--ro-bind", "/dev/null", str(file.resolve())] == args[args.index(str(file.resolve())) - 2 :][:3]
    assert str(tmp_path) not in args


def test_student_text_is_one_bounded_line_without_paths() -> None:
    from rlspec.conformance_tests.grading.protocol import MESSAGE_LIMIT, scrubbed

    text = "FileNotFoundError: [Errno 2] No such file: '/tmp/x/g.toml'\n at /work/main/a.py:3, ratio 1/2"
    assert scrubbed(text) == "FileNotFoundError: [Errno 2] No such file: '<path>' at <path>:3, ratio 1/2"
    assert len(scrubbed("x" * 10_000)) == MESSAGE_LIMIT


def test_the_pid_namespace_ends_every_process_without_seccomp() -> None:
    """Without the seccomp filter a process started in a new session inside the wall still ends
    with the sandbox: once bwrap has exited, it is gone."""
    code = (
        "import subprocess\n"
        "subprocess.Popen(['/bin/sh', '-c', 'sleep 1000; : 31415.7'], start_new_session=True)\n"
        "print('started', flush=True)\n"
    )
    done = subprocess.run(
        wall.command([sys.executable, "-I", "-c", code]), capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "started", done.stderr
    assert survivors() == []
