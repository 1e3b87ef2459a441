"""What an implementation declares about itself: known deviations (`rlspec conform --xfails FILE`)
and narrower input domains (`RLSPEC_DOMAINS` in the adapter).

Known deviations. FILE is TOML or JSON (by its extension; JSON otherwise), a list of entries
with `id` (a registered formula id), `reason` (one line) and an optional `link` (an upstream
issue):

    [[xfail]]
    id = "squashed.log_prob"
    reason = "SB3 adds 1e-6 inside log(1 - a^2)"
    link = "https://github.com/DLR-RM/stable-baselines3/issues/..."

    {"xfail": [{"id": "squashed.log_prob", "reason": "...", "link": "..."}]}

A listed formula that does not conform is reported as a known deviation, with its units and
its smallest failing instance as any failure, and does not fail the run. A listed formula
that conforms fails the run ("xfail passed: remove it"): strict, as pytest's xfail_strict,
so that the file cannot keep claiming a deviation the library no longer has (a conformance
matrix built from it would state a finding that is false). The draws are deterministic in
the seed, so the verdict does not flip between two runs of the same command.

Input domains. An adapter narrows the draws with a literal dictionary, argument name ->
(low, high), each end a number or None (unbounded), meaning low < x < high for every entry of
that argument, in every formula that has an argument of that name:

    RLSPEC_DOMAINS = {"gamma": (0, 1)}         # module level: every formula
    mdp_v.rlspec_domains = {"gamma": (0.5, 1)}  # one adapter function (wins for its names)

Instances outside the domain are not drawn (hypothesis rejects them; a hard corner outside it
is left out and so missing from corners_covered); stored vectors outside it are skipped. The
declarations are read from the adapter's source with `ast` (literals only), without importing
it, so the suite's own process never runs the implementation.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from rlspec.conformance_tests.results import FormulaResult
from rlspec.oracle.errors import UsageError
from rlspec.spec.formula import Formula

KNOWN_DEVIATION = "known_deviation"
XFAIL_PASSED = "xfail_passed"
MODULE_DOMAINS = "RLSPEC_DOMAINS"
FUNCTION_DOMAINS = "rlspec_domains"

Bound = float | None


@dataclass(frozen=True)
class Xfail:
    id: str
    reason: str
    link: str | None = None


# ---- known deviations ---------------------------------------------------------------------------


def read_xfails(path: str | Path, known_ids: Iterable[str]) -> dict[str, Xfail]:
    """The entries of an xfails file by formula id; UsageError (one line) on a bad file."""
    where = f"--xfails {path}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{where}: cannot read it ({exc.strerror})") from None
    try:
        data = tomllib.loads(text) if str(path).endswith(".toml") else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(
            f"{where}: not valid {'TOML' if str(path).endswith('.toml') else 'JSON'}: {exc}"
        ) from None
    entries = data.get("xfail") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise UsageError(f"{where}: expected a list of entries under 'xfail'")
    ids = set(known_ids)
    out: dict[str, Xfail] = {}
    for i, entry in enumerate(entries):
        item = _entry(entry, f"{where}: entry {i + 1}", ids)
        if item.id in out:
            raise UsageError(f"{where}: entry {i + 1}: {item.id} is listed twice")
        out[item.id] = item
    return out


def _entry(entry: Any, where: str, ids: set[str]) -> Xfail:
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: must be a table/object with id and reason")
    unknown = sorted(set(entry) - {"id", "reason", "link"})
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r} (keys: id, reason, link)")
    formula_id, reason, link = entry.get("id"), entry.get("reason"), entry.get("link")
    if not isinstance(formula_id, str) or formula_id not in ids:
        raise UsageError(f"{where}: id {formula_id!r} is not a registered formula (see `rlspec list`)")
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError(f"{where}: {formula_id} needs a non-empty reason")
    if link is not None and not isinstance(link, str):
        raise UsageError(f"{where}: {formula_id}: link must be a string")
    return Xfail(formula_id, reason.strip(), link)


def apply_xfails(results: Sequence[FormulaResult], xfails: Mapping[str, Xfail]) -> None:
    """Mark the listed formulas: a failure or error becomes a known deviation (its message, units
    and failing instance kept), a pass becomes "xfail passed"."""
    for r in results:
        entry = xfails.get(r.id)
        if entry is None:
            continue
        cite = entry.reason + (f"; {entry.link}" if entry.link else "")
        if r.status in ("fail", "error"):
            r.status, r.message = KNOWN_DEVIATION, f"known deviation ({cite}): {r.message}"
        elif r.status == "pass":
            r.status = XFAIL_PASSED
            r.message = f"xfail passed: remove it from the xfails file ({cite}); peak {r.peak:.3g} units"


# ---- input domains ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Domains:
    """Declared domains: module-level ones and each adapter function's own (its names win)."""

    module: Mapping[str, tuple[Bound, Bound]] = field(default_factory=dict)
    functions: Mapping[str, Mapping[str, tuple[Bound, Bound]]] = field(default_factory=dict)

    def for_formula(self, f: Formula) -> dict[str, tuple[Bound, Bound]]:
        """The declared domains of f's arguments (by argument name)."""
        merged = {**self.module, **self.functions.get(f.adapter_name, {})}
        return {a.name: merged[a.name] for a in f.args if a.name in merged}

    def admits(self, f: Formula, raw: Mapping[str, Any]) -> bool:
        """Whether every entry of every declared argument of f lies inside its domain."""
        declared = self.for_formula(f)
        for arg in f.args:
            bounds = declared.get(arg.name)
            if bounds is None:
                continue
            source = arg.source
            value = (
                raw.get("params", {}).get(source[len("params.") :])
                if source.startswith("params.")
                else raw.get(source)
            )
            if value is not None and not all(_inside(x, bounds) for x in _flat(value)):
                return False
        return True

    def describe(self) -> str:
        """One line for the report, e.g. "gamma in (0, 1); mdp_v: gamma in (0.5, 1)"."""
        parts = [_show(name, b) for name, b in sorted(self.module.items())]
        for fn, names in sorted(self.functions.items()):
            parts += [f"{fn}: {_show(name, b)}" for name, b in sorted(names.items())]
        return "; ".join(parts)

    def __bool__(self) -> bool:
        return bool(self.module or self.functions)


def _flat(value: Any) -> list[float]:
    """The entries of a JSON-ready value (numbers, or exact strings like "1/3")."""
    if isinstance(value, list):
        return [x for v in value for x in _flat(v)]
    return [float(Fraction(value)) if isinstance(value, str) else float(value)]


def _inside(x: float, bounds: tuple[Bound, Bound]) -> bool:
    low, high = bounds
    return (low is None or x > low) and (high is None or x < high)


def _show(name: str, bounds: tuple[Bound, Bound]) -> str:
    low, high = (
        ("-inf" if bounds[0] is None else f"{bounds[0]:g}"),
        ("inf" if bounds[1] is None else f"{bounds[1]:g}"),
    )
    return f"{name} in ({low}, {high})"


def adapter_source(impl: str) -> Path | None:
    """The file of the implementation (a path, or a module found without importing it)."""
    if impl.endswith(".py") or "/" in impl:
        return Path(impl)
    try:
        spec = importlib.util.find_spec(impl)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin and spec.origin.endswith(".py") else None


def declared_domains(impl: str) -> Domains:
    """RLSPEC_DOMAINS and FUNCTION.rlspec_domains assignments of the adapter's source (literals);
    UsageError naming the line when one is not a valid declaration."""
    path = adapter_source(impl)
    if path is None or not path.is_file():
        return Domains()
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return Domains()  # the worker reports an adapter it cannot import
    module: dict[str, tuple[Bound, Bound]] = {}
    functions: dict[str, dict[str, tuple[Bound, Bound]]] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == MODULE_DOMAINS:
            module.update(_declaration(node.value, f"{path.name}:{node.lineno}: {MODULE_DOMAINS}"))
        elif (
            isinstance(target, ast.Attribute)
            and target.attr == FUNCTION_DOMAINS
            and isinstance(target.value, ast.Name)
        ):
            where = f"{path.name}:{node.lineno}: {target.value.id}.{FUNCTION_DOMAINS}"
            functions.setdefault(target.value.id, {}).update(_declaration(node.value, where))
    return Domains(module, functions)


def _declaration(node: ast.expr, where: str) -> dict[str, tuple[Bound, Bound]]:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise UsageError(f"{where} must be a literal dict name -> (low, high)") from None
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be a dict name -> (low, high)")
    out: dict[str, tuple[Bound, Bound]] = {}
    for name, bounds in value.items():
        if not isinstance(name, str) or not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
            raise UsageError(f"{where}: {name!r} must map to (low, high)")
        low, high = (_bound(b, f"{where}: {name}") for b in bounds)
        if low is not None and high is not None and not low < high:
            raise UsageError(f"{where}: {name} has an empty domain ({low}, {high})")
        out[name] = (low, high)
    return out


def _bound(b: Any, where: str) -> Bound:
    if b is None:
        return None
    if isinstance(b, bool) or not isinstance(b, (int, float)) or math.isnan(b):
        raise UsageError(f"{where}: an end must be a number or None, not {b!r}")
    return float(b)
