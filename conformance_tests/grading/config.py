"""The grading file (TOML). Every key, its type, default and meaning is in KEYS below (and in the
README's section for instructors); anything else is refused with one line naming the key.

    [grading]   title, dps, time_limit, import_time_limit, memory_limit_mb, cpu_limit,
                file_size_limit, partial_credit, hidden_share
    [visible]   seed, count                 cases students see (instance and expected vs got)
    [hidden]    seed, count, visibility, pool_factor   cases from a seed students never see
    [feedback]  visibility, show_instances, instructor_detail
    [sandbox]   forbid, preload, ctypes, user   extra paths hidden from the worker; modules loaded
                before the seal; ctypes in the worker; the worker's user
    [[formula]] id (or glob), points, visible, hidden, time_limit, options
"""

from __future__ import annotations

import fnmatch
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlspec.oracle.errors import UsageError

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")

# section -> key -> (type description, default, meaning). The default None means "required"
# where REQUIRED says so, "unset" otherwise.
KEYS: dict[str, dict[str, tuple[str, Any, str]]] = {
    "grading": {
        "title": ("string", "rlspec grading", "shown at the top of the report"),
        "dps": ("integer >= 20", 40, "digits of the oracle computing the expected values"),
        "time_limit": ("number > 0", 5.0, "wall-clock seconds allowed per call of a student function"),
        "import_time_limit": ("number > 0", 30.0, "seconds allowed to import the submission"),
        "memory_limit_mb": ("integer >= 256", 1024, "address-space limit of the worker (MiB)"),
        "cpu_limit": ("number > 0", 300.0, "CPU seconds one worker process may use in total"),
        "file_size_limit": ("integer >= 0", 0, "largest file the submission may write (bytes)"),
        "partial_credit": ("boolean", True, "points proportional to the cases passed (else all or none)"),
        "hidden_share": (
            "number in [0, 1]",
            None,
            "share of each formula's points earned on hidden cases (unset: by number of cases)",
        ),
    },
    "visible": {
        "seed": ("integer >= 0", None, "seed of the cases students see"),
        "count": ("integer >= 0", 3, "visible cases per formula"),
    },
    "hidden": {
        "seed": ("integer >= 0", None, "seed of the hidden cases (keep this file from students)"),
        "count": ("integer >= 0", 5, "hidden cases per formula"),
        "visibility": ("one of " + ", ".join(VISIBILITIES), "after_published", "when students see them"),
        "pool_factor": (
            "integer >= 1",
            4,
            "each formula's hidden pool holds pool_factor x count cases; every submission grades "
            "its own count of them",
        ),
    },
    "feedback": {
        "visibility": ("one of " + ", ".join(VISIBILITIES), "visible", "Gradescope top-level visibility"),
        "show_instances": ("boolean", True, "print the failing visible instance in the student's message"),
        "instructor_detail": ("boolean", True, "add a hidden 0-point test per formula with every case"),
    },
    "sandbox": {
        "forbid": ("list of paths", [], "files or folders hidden from the submission (besides rlspec's)"),
        "preload": ("list of strings", [], "modules imported before the seal (e.g. scipy.special)"),
        "ctypes": (
            "boolean",
            True,
            "ctypes in the worker (scipy needs it); false refuses it with a clear message",
        ),
        "user": (
            "user name",
            "",
            "the worker's user (default: uid 65534 inside the wall; without it, only as root)",
        ),
    },
}
FORMULA_KEYS: dict[str, tuple[str, Any, str]] = {
    "id": ("string", None, "a formula id or a glob (`rlspec list`); each match gets `points`"),
    "points": ("number >= 0", None, "points of the formula"),
    "visible": ("integer >= 0", None, "visible cases for this formula (default [visible].count)"),
    "hidden": ("integer >= 0", None, "hidden cases for this formula (default [hidden].count)"),
    "time_limit": ("number > 0", None, "seconds per call for this formula (default [grading].time_limit)"),
    "options": ("table", {}, "instance options: name = [min, max] (sizes) or [choices]"),
}
REQUIRED = {("visible", "seed"), ("hidden", "seed")}


class ConfigError(UsageError):
    """A bad grading file: one line naming the key (exit status 2)."""


@dataclass(frozen=True)
class FormulaSpec:
    id: str
    points: float
    visible: int
    hidden: int
    time_limit: float
    options: dict[str, tuple[Any, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class GradingConfig:
    path: Path
    title: str
    dps: int
    time_limit: float
    import_time_limit: float
    memory_limit_mb: int
    cpu_limit: float
    file_size_limit: int
    partial_credit: bool
    hidden_share: float | None
    visible_seed: int
    hidden_seed: int
    hidden_visibility: str
    pool_factor: int
    visibility: str
    show_instances: bool
    instructor_detail: bool
    forbid: tuple[str, ...]
    preload: tuple[str, ...]
    allow_ctypes: bool
    user: str
    formulas: tuple[FormulaSpec, ...]

    @property
    def total_points(self) -> float:
        return sum(f.points for f in self.formulas)


def _fail(path: Path, message: str) -> ConfigError:
    return ConfigError(f"{path.name}: {message}")


def _check(path: Path, where: str, value: Any, kind: str) -> Any:
    """Check one value against its type description (see KEYS); return it normalized."""
    bad = _fail(path, f"{where} must be {kind}, got {value!r}"[:300])
    is_int = isinstance(value, int) and not isinstance(value, bool)
    is_num = (is_int or isinstance(value, float)) and math.isfinite(float(value))
    if kind == "string":
        if not isinstance(value, str) or not value.strip():
            raise bad
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise bad
        return value
    if kind.startswith("integer"):
        lo = int(kind.split(">=")[1]) if ">=" in kind else 0
        if not is_int or value < lo:
            raise bad
        return int(value)
    if kind == "number > 0":
        if not is_num or value <= 0:
            raise bad
        return float(value)
    if kind == "number >= 0":
        if not is_num or value < 0:
            raise bad
        return float(value)
    if kind == "number in [0, 1]":
        if not is_num or not 0 <= value <= 1:
            raise bad
        return float(value)
    if kind == "user name":
        if not isinstance(value, str):
            raise bad
        if value:
            import pwd

            try:
                pwd.getpwnam(value)
            except KeyError:
                raise _fail(path, f"{where}: no such user {value!r}") from None
        return value
    if kind.startswith("one of"):
        if value not in VISIBILITIES:
            raise bad
        return value
    if kind in ("list of paths", "list of strings"):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise bad
        return tuple(value)
    if kind == "table":
        if not isinstance(value, dict):
            raise bad
        return value
    raise AssertionError(kind)


def _section(path: Path, doc: Mapping[str, Any], name: str) -> dict[str, Any]:
    raw = doc.get(name, {})
    if not isinstance(raw, dict):
        raise _fail(path, f"[{name}] must be a table")
    known = KEYS[name]
    for key in raw:
        if key not in known:
            raise _fail(path, f"unknown key [{name}].{key} (known: {', '.join(known)})")
    out: dict[str, Any] = {}
    for key, (kind, default, _) in known.items():
        if key in raw:
            out[key] = _check(path, f"[{name}].{key}", raw[key], kind)
        elif (name, key) in REQUIRED:
            raise _fail(path, f"[{name}].{key} is required")
        else:
            out[key] = tuple(default) if isinstance(default, list) else default
    return out


def _options(path: Path, where: str, raw: Mapping[str, Any], family: str) -> dict[str, tuple[Any, ...]]:
    from rlspec.conformance_tests.strategies import family_options

    sizes, choices = family_options(family)
    out: dict[str, tuple[Any, ...]] = {}
    for name, value in raw.items():
        if name in sizes:
            lo, hi = sizes[name]
            ok = (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                and lo <= value[0] <= value[1] <= hi
            )
            if not ok:
                raise _fail(
                    path, f"{where}.options.{name} must be [min, max] within [{lo}, {hi}], got {value!r}"
                )
            out[name] = (value[0], value[1])
        elif name in choices:
            allowed = choices[name]
            if not isinstance(value, list) or not value or not all(v in allowed for v in value):
                raise _fail(path, f"{where}.options.{name} must be a non-empty list from {list(allowed)}")
            out[name] = tuple(value)
        else:
            known = ", ".join([*sizes, *choices]) or "none"
            raise _fail(
                path, f"{where}.options: unknown option {name!r} for the {family} family (known: {known})"
            )
    return out


def load(path: Path) -> GradingConfig:
    """Read and validate a grading file; ConfigError (one line) on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the grading file {path}: {exc.strerror or exc}") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"not valid TOML: {exc}") from None
    return parse(doc, path)


def parse(doc: Mapping[str, Any], path: Path) -> GradingConfig:
    from rlspec.conformance_tests.selection import registry

    for name in doc:
        if name not in KEYS and name != "formula":
            raise _fail(path, f"unknown table [{name}] (known: {', '.join([*KEYS, 'formula'])})")
    g = _section(path, doc, "grading")
    v = _section(path, doc, "visible")
    h = _section(path, doc, "hidden")
    fb = _section(path, doc, "feedback")
    sb = _section(path, doc, "sandbox")
    if g["dps"] < 20:
        raise _fail(path, f"[grading].dps must be >= 20, got {g['dps']}")
    if g["memory_limit_mb"] < 256:
        raise _fail(path, f"[grading].memory_limit_mb must be >= 256, got {g['memory_limit_mb']}")
    if v["seed"] == h["seed"]:
        raise _fail(path, "[hidden].seed must differ from [visible].seed")
    entries = doc.get("formula")
    if not isinstance(entries, list) or not entries:
        raise _fail(path, "no [[formula]] entries (each needs id and points)")
    everything = registry()
    specs: list[FormulaSpec] = []
    seen: dict[str, int] = {}
    for n, entry in enumerate(entries, 1):
        where = f"[[formula]] #{n}"
        if not isinstance(entry, dict):
            raise _fail(path, f"{where} must be a table")
        for key in entry:
            if key not in FORMULA_KEYS:
                raise _fail(path, f"unknown key {where}.{key} (known: {', '.join(FORMULA_KEYS)})")
        for key in ("id", "points"):
            if key not in entry:
                raise _fail(path, f"{where}.{key} is required")
        pattern = _check(path, f"{where}.id", entry["id"], "string")
        points = _check(path, f"{where}.points", entry["points"], "number >= 0")
        visible = _check(path, f"{where}.visible", entry.get("visible", v["count"]), "integer >= 0")
        hidden = _check(path, f"{where}.hidden", entry.get("hidden", h["count"]), "integer >= 0")
        limit = _check(path, f"{where}.time_limit", entry.get("time_limit", g["time_limit"]), "number > 0")
        raw_options = _check(path, f"{where}.options", entry.get("options", {}), "table")
        if visible + hidden == 0:
            raise _fail(path, f"{where} ({pattern}) has no cases (visible + hidden = 0)")
        matched = [f for f in everything if fnmatch.fnmatchcase(f.id, pattern)]
        if not matched:
            raise _fail(path, f"{where}.id {pattern!r} matches no formula (see `rlspec list`)")
        for f in matched:
            if f.id in seen:
                raise _fail(path, f"{f.id} is graded twice ([[formula]] #{seen[f.id]} and #{n})")
            seen[f.id] = n
            options = _options(path, where, raw_options, f.family)
            specs.append(FormulaSpec(f.id, points, visible, hidden, limit, options))
    return GradingConfig(
        path=path,
        title=g["title"],
        dps=g["dps"],
        time_limit=g["time_limit"],
        import_time_limit=g["import_time_limit"],
        memory_limit_mb=g["memory_limit_mb"],
        cpu_limit=g["cpu_limit"],
        file_size_limit=g["file_size_limit"],
        partial_credit=g["partial_credit"],
        hidden_share=g["hidden_share"],
        visible_seed=v["seed"],
        hidden_seed=h["seed"],
        hidden_visibility=h["visibility"],
        pool_factor=h["pool_factor"],
        visibility=fb["visibility"],
        show_instances=fb["show_instances"],
        instructor_detail=fb["instructor_detail"],
        forbid=tuple(sb["forbid"]),
        preload=tuple(sb["preload"]),
        allow_ctypes=sb["ctypes"],
        user=sb["user"],
        formulas=tuple(specs),
    )
