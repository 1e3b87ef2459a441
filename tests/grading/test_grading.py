"""`rlspec grade`: adversarial submissions get no undeserved points and never break the run; the
correct one gets full marks; a half-correct one gets exactly what it got right; the grading
file is validated; the Gradescope file has the fields Gradescope documents.

The submissions are files in tests/grading/submissions/ (one attack each). Three of them need
paths only known at test time (rlspec's folder, the grading file, the report), written as
__RLSPEC_ROOT__, __CONFIG__, __REPORT__ and filled in here.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shlex
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from rlspec import cli
from rlspec.conformance_tests.grading.grade import main
from rlspec.conformance_tests.grading.sandbox import ProtocolError, parse_reply

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SUBMISSIONS = HERE / "submissions"
CONFIG = (HERE / "grading.toml").read_text()
POINTS = {"mdp.v": 2.0, "mdp.q": 1.5, "pg.objective": 1.0}
TOTAL = sum(POINTS.values())
CASES = 4  # 2 visible + 2 hidden per formula (grading.toml)

VISIBILITY = {"visible", "hidden", "after_due_date", "after_published"}
TOP_KEYS = {
    "score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
    "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard",
}  # fmt: skip
TEST_KEYS = {
    "score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
    "tags", "visibility", "extra_data",
}  # fmt: skip


class Run:
    def __init__(self, status: int, gradescope: dict[str, Any], report: dict[str, Any], out: str, err: str):
        self.status, self.gradescope, self.report, self.out, self.err = status, gradescope, report, out, err

    def scores(self) -> dict[str, float]:
        return {f["id"]: f["score"] for f in self.report["formulas"]}

    def formula(self, formula_id: str) -> dict[str, Any]:
        return next(f for f in self.report["formulas"] if f["id"] == formula_id)

    def visible_output(self, formula_id: str) -> str:
        text: str = next(
            t["output"]
            for t in self.gradescope["tests"]
            if t["name"].startswith(formula_id + ":") and t["visibility"] == "visible"
        )
        return text


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def grade(
    tmp_path: Path,
    name: str,
    config: str = CONFIG,
    *,
    source: Path | None = None,
    replace: dict[str, str] | None = None,
    unsafe: bool = False,
) -> Run:
    """Grade a submission (from submissions/, or `source`) with a copy of the grading file kept
    outside rlspec's folder, writing results.json and the JSON report."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    config_path = tmp_path / "grading.toml"
    config_path.write_text(config)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    gradescope, report = out / "results.json", out / "report.json"
    text = (source or SUBMISSIONS / f"{name}.py").read_text()
    text = text.replace("__RLSPEC_ROOT__", str(ROOT)).replace("__CONFIG__", str(config_path))
    text = text.replace("__REPORT__", str(gradescope)).replace("__VICTIM__", str(tmp_path / "victim.txt"))
    for key, value in (replace or {}).items():
        text = text.replace(key, value)
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    submission = folder / f"{name}.py"
    submission.write_text(text)
    o, e = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        argv = [str(submission), "--config", str(config_path), "--gradescope", str(gradescope)]
        argv += ["--unsafe-no-sandbox"] if unsafe else []
        status = main([*argv, "--json", str(report), "--quiet"])
    doc = _strict_json(gradescope.read_text()) if gradescope.exists() else {}
    rep = json.loads(report.read_text()) if report.exists() else {}
    return Run(status, doc, rep, o.getvalue(), e.getvalue())


def check_gradescope(doc: dict[str, Any]) -> None:
    """The fields of Gradescope's results.json (autograder specification)."""
    assert set(doc) <= TOP_KEYS, set(doc) - TOP_KEYS
    assert isinstance(doc["score"], (int, float)) and math.isfinite(doc["score"])
    assert isinstance(doc["execution_time"], int) and doc["execution_time"] >= 0
    assert doc["visibility"] in VISIBILITY and doc["stdout_visibility"] in VISIBILITY
    assert isinstance(doc["output"], str)
    assert isinstance(doc["tests"], list) and doc["tests"]
    for t in doc["tests"]:
        assert set(t) <= TEST_KEYS, set(t) - TEST_KEYS
        assert isinstance(t["name"], str) and t["name"]
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert 0 <= t["score"] <= t["max_score"] + 1e-12
        assert t["status"] in ("passed", "failed")
        assert isinstance(t["output"], str)
        assert t["visibility"] in VISIBILITY
    assert doc["score"] == pytest.approx(sum(t["score"] for t in doc["tests"]), abs=1e-9)


def check_run(run: Run, expected: dict[str, float]) -> None:
    """Graded to the end (exit 0, every formula reported) with exactly these points."""
    assert run.status == 0, run.err
    check_gradescope(run.gradescope)
    assert run.scores() == pytest.approx(expected, abs=1e-9)
    assert run.gradescope["score"] == pytest.approx(sum(expected.values()), abs=1e-9)


# ---- the correct submission ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "seeds"),
    [
        (ROOT / "conformance_tests" / "examples" / "np_mdp.py", (11, 7919)),
        (ROOT / "conformance_tests" / "examples" / "np_mdp.py", (2024, 31337)),
        (SUBMISSIONS / "correct_standalone.py", (11, 7919)),
    ],
)
def test_correct_submission_gets_full_marks(tmp_path: Path, source: Path, seeds: tuple[int, int]) -> None:
    """The bundled example (np_mdp.py: standalone numpy, the module numpy_impl.py gathers for
    these formulas) and a compact correct file get every point, on two pairs of seeds."""
    config = CONFIG.replace("seed = 11", f"seed = {seeds[0]}").replace("seed = 7919", f"seed = {seeds[1]}")
    run = grade(tmp_path, "correct", config, source=source)
    check_run(run, POINTS)
    assert all(t["status"] == "passed" for t in run.gradescope["tests"])
    for f in run.report["formulas"]:
        assert f["status"] == "pass" and len(f["cases"]) == CASES
        assert all(c["passed"] and c["seconds"] < 3.0 for c in f["cases"])
    assert run.report["worker_restarts"] == 0


def test_hidden_detail_stays_out_of_what_students_see(tmp_path: Path) -> None:
    run = grade(tmp_path, "half_correct")
    hidden_seeds = [str(c["seed"]) for f in run.report["formulas"] for c in f["cases"] if c["hidden"]]
    visible_text = run.gradescope["output"] + "".join(
        t["output"] + t["name"] for t in run.gradescope["tests"] if t["visibility"] == "visible"
    )
    assert hidden_seeds and not any(seed in visible_text for seed in hidden_seeds)
    kinds = {t["name"].rsplit("(", 1)[1]: t["visibility"] for t in run.gradescope["tests"]}
    assert kinds == {
        "visible cases)": "visible",
        "hidden cases)": "after_published",
        "instructor detail)": "hidden",
    }
    detail = "".join(t["output"] for t in run.gradescope["tests"] if t["visibility"] == "hidden")
    assert all(seed in detail for seed in hidden_seeds)  # the instructor sees every hidden case
    assert run.gradescope["stdout_visibility"] == "hidden"


# ---- partial credit -----------------------------------------------------------------------------


def _small(f: dict[str, Any], hidden: bool) -> int:
    return sum(1 for c in f["cases"] if c["hidden"] == hidden and c["options"]["states"] <= 2)


def test_half_correct_gets_exactly_what_it_got_right(tmp_path: Path) -> None:
    """mdp.v right (2 points), pg.objective always wrong (0), mdp.q right exactly on the cases
    with |S| <= 2: each of its 4 cases is worth 1.5 / 4 (cases counted equally)."""
    run = grade(tmp_path, "half_correct")
    q = run.formula("mdp.q")
    right = _small(q, False) + _small(q, True)
    check_run(run, {"mdp.v": 2.0, "mdp.q": 1.5 * right / CASES, "pg.objective": 0.0})
    assert [c["passed"] for c in q["cases"]] == [c["options"]["states"] <= 2 for c in q["cases"]]


def test_all_or_nothing_with_a_hidden_share(tmp_path: Path) -> None:
    config = CONFIG.replace("cpu_limit = 60", "cpu_limit = 60\npartial_credit = false\nhidden_share = 0.75")
    run = grade(tmp_path, "half_correct", config)
    q = run.formula("mdp.q")
    visible = 1.5 * 0.25 * (_small(q, False) == 2)
    hidden = 1.5 * 0.75 * (_small(q, True) == 2)
    check_run(run, {"mdp.v": 2.0, "mdp.q": visible + hidden, "pg.objective": 0.0})


def test_the_reproduce_command_rebuilds_the_failing_instance(tmp_path: Path) -> None:
    run = grade(tmp_path, "half_correct")
    text = run.visible_output("pg.objective")
    line = next(x for x in text.splitlines() if x.strip().startswith("reproduce:"))
    argv = shlex.split(line.split("reproduce:", 1)[1].split(">", 1)[0])
    assert argv[0] == "rlspec"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(argv[1:]) == 0
    shown = next(x for x in text.splitlines() if x.strip().startswith("instance:"))
    assert json.loads(out.getvalue()) == json.loads(shown.split("instance:", 1)[1])


# ---- attacks ------------------------------------------------------------------------------------

PASS_OTHERS = {"mdp.q": 1.5, "pg.objective": 1.0}
ATTACKS: dict[str, tuple[dict[str, float], str, tuple[str, ...]]] = {
    # name: (points per formula, formula attacked, words its student message must contain)
    "crash": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("SIGSEGV",)),
    "hang": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("timed out after 3 s",)),
    "sys_exit": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("sys.exit(0)",)),
    "os_exit": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("ended the worker process (exit code 0)",)),
    "stdout_flood": ({"mdp.v": 2.0, "mdp.q": 0.0, "pg.objective": 1.0}, "mdp.q", ("timed out",)),
    "numpy_patch": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("expected", "got 0.0")),
    "compare_patch": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("wrong value",)),
    "tricky_objects": ({"mdp.v": 0.0, "mdp.q": 0.0, "pg.objective": 0.0}, "mdp.q", ("not numbers",)),
    "read_files": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("0 points", "writing")),
    "write_report": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("0 points", "writing")),
    "import_oracle": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("0 points", "rlspec's own code")),
    "processes": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("0 points", "os.fork")),
    "memory_hog": ({"mdp.v": 0.0, "mdp.q": 0.0, "pg.objective": 1.0}, "mdp.v", ("MemoryError",)),
    "exit_at_import": ({"mdp.v": 0.0, "mdp.q": 0.0, "pg.objective": 0.0}, "mdp.v", ("while being imported",)),
    "forbidden_at_import": (
        {"mdp.v": 0.0, "mdp.q": 0.0, "pg.objective": 0.0},
        "pg.objective",
        ("importing oracle", "not allowed"),
    ),
    "protocol_forgery": ({"mdp.v": 0.0, **PASS_OTHERS}, "mdp.v", ("malformed reply",)),
}


def test_every_attack_has_a_submission_and_a_test() -> None:
    from tests.grading.test_wall import WALL_ATTACKS

    files = {p.stem for p in SUBMISSIONS.glob("*.py")}
    others = {"correct_standalone", "half_correct", "unlisted_secret", "hang_at_import"}
    others |= {"loss_convention", "mixed_conventions"}
    assert files == set(ATTACKS) | set(WALL_ATTACKS) | others


def test_a_hang_at_import_is_graded_zero_within_the_import_limit(tmp_path: Path) -> None:
    config = CONFIG.replace("import_time_limit = 20.0", "import_time_limit = 5.0")
    run = grade(tmp_path, "hang_at_import", config)
    check_run(run, {"mdp.v": 0.0, "mdp.q": 0.0, "pg.objective": 0.0})
    assert "took longer than 5 s" in run.visible_output("mdp.q")
    assert run.report["seconds"] < 15


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_gets_no_undeserved_points(tmp_path: Path, name: str) -> None:
    expected, attacked, words = ATTACKS[name]
    config_before = CONFIG
    run = grade(tmp_path, name)
    check_run(run, expected)
    message = run.visible_output(attacked)
    for word in words:
        assert word in message, message
    assert (tmp_path / "grading.toml").read_text() == config_before
    assert not (ROOT / "pwned.py").exists()


def _violations(run: Run, formula_id: str) -> str:
    return "\n".join(run.formula(formula_id)["violations"])


def test_reading_files_finds_nothing_of_the_grader(tmp_path: Path) -> None:
    """Inside the wall rlspec's folder and the grading file do not exist: the hook, the second
    layer, still refuses what it recognises (a symbolic link written towards the grading file,
    another process's /proc entries, opening the root folder)."""
    run = grade(tmp_path, "read_files")
    seen = _violations(run, "mdp.v")
    assert f"writing {tmp_path}/grading.toml" in seen  # the symlink to it
    assert "reading /proc/" in seen
    assert "opening the folder /" in seen  # dir_fd
    assert run.formula("mdp.v")["status"] == "forbidden"


def test_the_report_written_is_the_graders(tmp_path: Path) -> None:
    run = grade(tmp_path, "write_report")
    assert f"writing {tmp_path}/out/results.json" in _violations(run, "mdp.v")
    assert run.gradescope["score"] == pytest.approx(2.5)  # not the submission's 1000


def test_processes_sockets_signals_limits_are_refused(tmp_path: Path) -> None:
    run = grade(tmp_path, "processes")
    seen = _violations(run, "mdp.v")
    for event in (
        "os.fork",
        "subprocess.Popen",
        "os.system",
        "os.forkpty",
        "socket.",
        "os.kill",
        "resource.setrlimit",
        "gc.get_objects",
        "importing ctypes",
    ):
        assert event in seen, event


# ---- the protocol -------------------------------------------------------------------------------


def test_replies_are_plain_numbers_checked_against_a_schema() -> None:
    ok = parse_reply({"t": "reply", "id": 3, "status": "ok", "shape": [2], "values": [1, float("nan")]}, 3)
    assert ok.kind == "ok" and ok.shape == (2,) and ok.values is not None
    assert ok.values[0] == 1.0 and type(ok.values[0]) is float and math.isnan(ok.values[1])
    bad: list[Any] = [
        [1, 2],
        {"t": "reply", "id": 4, "status": "ok", "shape": [1], "values": [1.0]},  # another call
        {"t": "reply", "id": 3, "status": "ok", "shape": [2], "values": [1.0]},  # does not fill
        {"t": "reply", "id": 3, "status": "ok", "shape": [1], "values": [True]},
        {"t": "reply", "id": 3, "status": "ok", "shape": [1], "values": ["1.0"]},
        {"t": "reply", "id": 3, "status": "ok", "shape": [1], "values": [[1.0]]},
        {"t": "reply", "id": 3, "status": "ok", "shape": [True], "values": [1.0]},
        {"t": "reply", "id": 3, "status": "pass", "shape": [], "values": [1.0]},
        {"t": "reply", "id": 3, "status": "raised", "message": 5},
    ]
    for frame in bad:
        with pytest.raises(ProtocolError):
            parse_reply(frame, 3)


# ---- the grading file ---------------------------------------------------------------------------

BAD_CONFIGS = [
    (CONFIG.replace("[visible]\nseed = 11", "[visible]\nsed = 11"), "unknown key [visible].sed"),
    (CONFIG.replace("seed = 7919", ""), "[hidden].seed is required"),
    (CONFIG.replace("seed = 7919", "seed = 11"), "[hidden].seed must differ"),
    (CONFIG.replace('"after_published"', '"later"'), "[hidden].visibility must be one of"),
    (CONFIG.replace('id = "pg.objective"', 'id = "pg.nope"'), "matches no formula"),
    (CONFIG.replace("time_limit = 3.0", "time_limit = -1"), "[grading].time_limit must be number > 0"),
    (CONFIG.replace("count = 2\n\n[hidden]", "count = -2\n\n[hidden]"), "[visible].count must be integer"),
    (CONFIG.replace("states = [1, 3]", "states = [1, 99]", 1), "options.states must be [min, max]"),
    (CONFIG.replace("states = [1, 3]", "colour = [1, 3]", 1), "unknown option 'colour'"),
    (CONFIG + '\n[[formula]]\nid = "mdp.*"\npoints = 1\n', "is graded twice"),
    (CONFIG + "\n[extra]\n", "unknown table [extra]"),
    ("[grading\n", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "words"), BAD_CONFIGS)
def test_a_bad_grading_file_is_one_line_and_exit_2(tmp_path: Path, text: str, words: str) -> None:
    config = tmp_path / "grading.toml"
    config.write_text(text)
    submission = SUBMISSIONS / "correct_standalone.py"
    e = io.StringIO()
    with contextlib.redirect_stderr(e), contextlib.redirect_stdout(io.StringIO()):
        status = main([str(submission), "--config", str(config)])
    assert status == 2
    lines = e.getvalue().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rlspec grade: grading.toml: "), lines
    assert words in lines[0], lines[0]


def test_missing_submission_or_config_is_exit_2(tmp_path: Path) -> None:
    e = io.StringIO()
    with contextlib.redirect_stderr(e), contextlib.redirect_stdout(io.StringIO()):
        assert main([str(tmp_path / "nope.py"), "--config", str(HERE / "grading.toml")]) == 2
        assert main([str(SUBMISSIONS / "correct_standalone.py"), "--config", str(tmp_path / "no.toml")]) == 2
    assert len(e.getvalue().strip().splitlines()) == 2


def test_rlspec_grade_subcommand(tmp_path: Path) -> None:
    config = tmp_path / "grading.toml"
    config.write_text(CONFIG)
    report = tmp_path / "report.json"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = cli.main(
            ["grade", str(SUBMISSIONS / "half_correct.py"), "--config", str(config), "--json", str(report)]
        )
    assert status == 0
    assert json.loads(report.read_text())["max_score"] == TOTAL
    assert "rlspec grading tests:" in out.getvalue()


def test_the_example_grading_file_is_valid() -> None:
    from rlspec.conformance_tests.grading import config

    cfg = config.load(ROOT / "conformance_tests" / "grading" / "example.toml")
    assert cfg.hidden_share == 0.5 and cfg.hidden_visibility == "after_published"
    assert [f.id for f in cfg.formulas][:3] == ["mdp.v", "mdp.q", "pg.gradient"]
    assert all(f.id.startswith("npg.") and f.hidden == 3 for f in cfg.formulas[3:])


def test_files_outside_the_wall_are_invisible_whatever_their_mode(tmp_path: Path) -> None:
    """A world-readable secret the grading file does not list: inside the wall it does not exist
    (mdp.v gets 0) and the worker is not root (mdp.q passes); without the wall, graded as root,
    the same submission reads it and gets the other points."""
    folder = Path(tempfile.mkdtemp(prefix="rlspec-secret-"))
    try:
        secret = folder / "secret.txt"
        secret.write_text("the answers")
        secret.chmod(0o644)
        replace = {"__SECRET__": str(secret)}
        walled = grade(tmp_path / "walled", "unlisted_secret", replace=replace)
        check_run(walled, {"mdp.v": 0.0, "mdp.q": 1.5, "pg.objective": 1.0})
        assert walled.report["worker_user"] == "uid 65534 inside bubblewrap"
        assert not walled.formula("mdp.v")["violations"]  # the kernel said no, not the hook
        if os.geteuid() == 0:
            bare = grade(tmp_path / "bare", "unlisted_secret", replace=replace, unsafe=True)
            check_run(bare, {"mdp.v": 2.0, "mdp.q": 0.0, "pg.objective": 1.0})
            assert bare.report["sandbox"] == "none (--unsafe-no-sandbox)"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_grader_error_on_one_formula_does_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rlspec.conformance_tests.sources import LiveOracle

    original = LiveOracle.expected

    def broken(self: LiveOracle, f: Any, raw: dict[str, Any]) -> Any:
        if f.id == "mdp.q":
            raise RuntimeError("oracle exploded")
        return original(self, f, raw)

    monkeypatch.setattr(LiveOracle, "expected", broken)
    run = grade(tmp_path, "correct_standalone")
    check_run(run, {"mdp.v": 2.0, "mdp.q": 0.0, "pg.objective": 1.0})
    assert run.formula("mdp.q")["status"] == "error"
    assert "not the submission's fault" in run.visible_output("mdp.q")


# ---- declared conventions (a sample-batch formula) ------------------------------------------------

PPO_CONFIG = """
[grading]
title = "ppo"
time_limit = 3.0
import_time_limit = 20.0

[visible]
seed = 5
count = 3

[hidden]
seed = 6
count = 5

[[formula]]
id = "ppo.clip_objective_batch"
points = 4
options = { batch = [1, 9] }
"""


@pytest.mark.parametrize(
    ("source", "convention"),
    [
        (ROOT / "conformance_tests" / "examples" / "np_ppo.py", "lecture"),
        (SUBMISSIONS / "loss_convention.py", "loss"),
    ],
)
def test_a_declared_convention_gets_full_marks(tmp_path: Path, source: Path, convention: str) -> None:
    run = grade(tmp_path, "ppo", PPO_CONFIG, source=source)
    check_run(run, {"ppo.clip_objective_batch": 4.0})
    assert run.formula("ppo.clip_objective_batch")["convention"] == convention


def test_mixed_conventions_count_only_the_majority(tmp_path: Path) -> None:
    run = grade(tmp_path, "mixed_conventions", PPO_CONFIG)
    cases = run.formula("ppo.clip_objective_batch")["cases"]
    even = [c["options"]["batch"] % 2 == 0 for c in cases]
    majority_even = sum(even) >= len(even) - sum(even)  # a tie goes to the lecture's meaning
    right = sum(e == majority_even for e in even)
    check_run(run, {"ppo.clip_objective_batch": 4.0 * right / len(cases)})
    assert [c["passed"] for c in cases] == [e == majority_even for e in even]
    assert all(c["kind"] == "convention" for c in cases if not c["passed"])
