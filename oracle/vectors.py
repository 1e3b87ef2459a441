"""Ground-truth vectors: versioned, hashed files of instances and certified values.

Shipped sets (package data, `rlspec.vectors`): `v2` (the default) and `v1`, kept byte for byte so
that a citation of v1 still verifies. A set is named by its folder or by its shipped name
(`--dir v1`, `--vectors v1`). v2 supersedes v1 because v1 was built before two changes: its fsca
instances' mu sums to 1 only within an ulp (the oracle now says it normalizes such an instance),
and its cases predate the families' hard corners (near-deterministic policies, mu zero on
reached states, parameters at the ends of their domains).

Layout of a vector set:

    MANIFEST.json                 spec and oracle versions, how it was generated, every file
                                  with its sha256
    <formula id>/case-<k>.json    one case: the instance, the value at `dps` digits, its error
                                  bound and bound kind, the versions

`build` is deterministic: the cases come from recorded seeds and options, the JSON is written
canonically, and nothing depends on the clock, so two builds are byte-identical. `verify`
checks every hash, refuses files the manifest does not list, and recomputes a sample of values
(all with --all) against the stored digits and bounds.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from mpmath import mp

from rlspec import spec
from rlspec.oracle.errors import InstanceError, UsageError, UsageErrorParser
from rlspec.oracle.evaluate import arguments, evaluate, leaves
from rlspec.oracle.expected import DEFAULT_DPS as SUITE_DPS
from rlspec.oracle.expected import Case, case_from_vector
from rlspec.oracle.instance import Instance, family_module, from_mapping
from rlspec.spec.selection import SelectionError, select
from rlspec.vectors import DIRECTORY as VECTORS_DIRECTORY

VECTOR_VERSION = "v2"
SHIPPED = ("v1", "v2")
DEFAULT_DIR = VECTORS_DIRECTORY / VECTOR_VERSION
DEFAULT_DPS = 50
DEFAULT_CASES = 8
MANIFEST = "MANIFEST.json"


def vector_set(name: str | Path) -> Path:
    """A vector set's folder: the path as given when it exists, else the shipped set of that name."""
    path = Path(name)
    if not path.exists() and str(name) in SHIPPED:
        return VECTORS_DIRECTORY / str(name)
    return path


def oracle_version() -> str:
    try:
        return metadata.version("rlspec")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class CasePlan:
    """Which instance a case is: a family, a seed and the family's generation options."""

    formula: str
    case: int
    family: str
    seed: int
    options: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"family": self.family, "seed": self.seed, "options": self.options}


def case_plans(formula_ids: Sequence[str], cases: int) -> Iterator[CasePlan]:
    """The recorded cases: case k of a formula uses seed 1000 * k + (its index in the registry),
    its sizes go from the family's smallest (k = 0) to its largest (the last case), and it walks
    through the family's option choices, so that the hard cases (the non-first choices: sparse,
    deterministic or periodic P, gamma = 0.999, large logits, ...) are covered."""
    registry_index = {f.id: i for i, f in enumerate(spec.formulas())}
    for formula_id in formula_ids:
        f, index = spec.formula(formula_id), registry_index[formula_id]
        module = family_module(f.family)
        sizes: dict[str, tuple[int, int]] = getattr(module, "SIZE_OPTIONS", {})
        choices: dict[str, tuple[Any, ...]] = getattr(module, "CHOICE_OPTIONS", {})
        for k in range(cases):
            spread = k * 100 // max(cases - 1, 1)  # percent of the way from each size's min to its max
            options: dict[str, Any] = {n: lo + (hi - lo) * spread // 100 for n, (lo, hi) in sizes.items()}
            options.update({name: values[k % len(values)] for name, values in choices.items()})
            yield CasePlan(formula_id, k, f.family, 1000 * k + index, options)


def instance_for(plan: CasePlan) -> Instance:
    from rlspec.oracle.sampling import sample_instance

    raw = sample_instance(plan.family, plan.seed, plan.options, [spec.formula(plan.formula)])
    return from_mapping(raw)


def canonical(obj: Any) -> bytes:
    return (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def case_path(formula_id: str, case: int) -> str:
    return f"{formula_id}/case-{case}.json"


def build_case(plan: CasePlan, dps: int) -> dict[str, Any]:
    instance = instance_for(plan)
    result = evaluate(plan.formula, instance, dps).to_json()
    return {
        "formula": plan.formula,
        "case": plan.case,
        "name": f"{plan.formula}/case-{plan.case}",
        "generated_from": plan.to_json(),
        "instance": instance.to_json(),
        "dps": result["dps"],
        "value": result["value"],
        "error_bound": result["error_bound"],
        "bound": result["bound"],
        "oracle_version": oracle_version(),
        "spec_version": spec.SPEC_VERSION,
    }


def selected(patterns: Sequence[str]) -> list[str]:
    """The ids chosen by glob patterns (`!` excludes; all when none given)."""
    try:
        return [f.id for f in select(spec.formulas(), patterns)]
    except SelectionError as exc:
        raise UsageError(f"--formulas: {exc}") from None


def build(
    out: Path, formula_ids: Sequence[str], cases: int, dps: int, log: bool = True, into_existing: bool = False
) -> Path:
    """Write a vector set under `out`; returns the manifest path. `into_existing`: when `out`
    holds a set, (re)build only these formulas' cases and keep every other file and the
    manifest's header as they are."""
    header, files = existing_set(out, formula_ids, cases, dps) if into_existing else ({}, {})
    for plan in case_plans(formula_ids, cases):
        data = canonical(build_case(plan, dps))
        rel = case_path(plan.formula, plan.case)
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        files[rel] = sha256(data)
        if log:
            print(f"built {rel}", flush=True)
    manifest = {
        "vector_set": VECTOR_VERSION,
        "spec_version": spec.SPEC_VERSION,
        "oracle_version": oracle_version(),
        "dps": dps,
        "cases_per_formula": cases,
        "generated_by": f"rlspec vectors build --cases {cases} --dps {dps}",
        "case_rule": "case k (of n) of the formula with registry index i: seed 1000*k + i; each size "
        "lo + (hi - lo) * (100k // (n-1)) // 100; each choice option its k-th choice (cyclic); "
        "params sampled by oracle.sampling",
        **header,
        "files": dict(sorted(files.items())),
    }
    manifest["manifest_sha256"] = sha256(canonical(manifest))
    path = out / MANIFEST
    path.write_bytes(canonical(manifest))
    return path


class VerifyError(Exception):
    """A vector file that does not check out; the message names it."""


def existing_set(
    out: Path, formula_ids: Sequence[str], cases: int, dps: int
) -> tuple[dict[str, Any], dict[str, str]]:
    """The manifest header of the set in `out` and its files of formulas not in `formula_ids`
    ({}, {} when there is no set). The set must check out and have been built with the same
    --cases and --dps."""
    if not (out / MANIFEST).is_file():
        return {}, {}
    try:
        manifest = read_manifest(out)
    except VerifyError as exc:
        raise UsageError(f"cannot add to {out}: {exc}") from None
    if (manifest.get("cases_per_formula"), manifest.get("dps")) != (cases, dps):
        built_with = f"--cases {manifest.get('cases_per_formula')} --dps {manifest.get('dps')}"
        raise UsageError(f"cannot add to {out}: it was built with {built_with}; use the same")
    chosen = set(formula_ids)
    listed: dict[str, str] = manifest.pop("files")
    files = {rel: digest for rel, digest in listed.items() if rel.split("/", 1)[0] not in chosen}
    return manifest, files


def read_manifest(root: Path) -> dict[str, Any]:
    """The manifest, checked byte for byte: canonical JSON whose `manifest_sha256` is the hash
    of the rest, so that any changed byte is caught."""
    path = root / MANIFEST
    try:
        data = path.read_bytes()
        manifest = json.loads(data)
    except OSError:
        raise VerifyError(f"{path}: missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise VerifyError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise VerifyError(f"{path}: has no 'files' table")
    if canonical(manifest) != data:
        raise VerifyError(f"{path}: not in canonical form (was it edited?)")
    claimed = manifest.pop("manifest_sha256", None)
    if claimed != sha256(canonical(manifest)):
        raise VerifyError(f"{path}: manifest_sha256 does not match its contents")
    return manifest


def check_hashes(root: Path, manifest: dict[str, Any]) -> list[str]:
    """Every listed file exists with its hash, and no case file is unlisted."""
    listed: dict[str, str] = manifest["files"]
    for rel, digest in listed.items():
        path = root / rel
        if not path.is_file():
            raise VerifyError(f"{path}: listed in the manifest but missing")
        if sha256(path.read_bytes()) != digest:
            raise VerifyError(f"{path}: sha256 differs from the manifest")
    for path in sorted(root.rglob("*.json")):
        rel = path.relative_to(root).as_posix()
        if rel != MANIFEST and rel not in listed:
            raise VerifyError(f"{path}: not listed in the manifest")
    return sorted(listed)


def recompute(root: Path, rel: str) -> None:
    """Recompute one case and check that stored and recomputed values agree within the bounds."""
    path = root / rel
    case = json.loads(path.read_bytes())
    instance = from_mapping(case["instance"])
    fresh = evaluate(case["formula"], instance, int(case["dps"])).to_json()
    with mp.workdps(int(case["dps"]) + 20):
        tolerance = mp.mpf(case["error_bound"]) + mp.mpf(fresh["error_bound"])
        stored, got = leaves(case["value"]), leaves(fresh["value"])
        if len(stored) != len(got):
            raise VerifyError(f"{path}: value has {len(stored)} entries, the oracle gives {len(got)}")
        for i, (a, b) in enumerate(zip(stored, got, strict=True)):
            if abs(mp.mpf(a) - mp.mpf(b)) > tolerance:
                raise VerifyError(f"{path}: entry {i} is {a}, the oracle gives {b} (bounds {tolerance})")


def verify(root: Path, recompute_all: bool, sample: int, seed: int, log: bool = True) -> int:
    manifest = read_manifest(root)
    files = check_hashes(root, manifest)
    chosen = files if recompute_all else sorted(random.Random(seed).sample(files, min(sample, len(files))))
    for rel in chosen:
        try:
            recompute(root, rel)
        except (InstanceError, KeyError, ValueError) as exc:
            raise VerifyError(f"{root / rel}: cannot be recomputed ({exc})") from None
        if log:
            print(f"ok {rel}", flush=True)
    print(f"verified {len(files)} hashes and recomputed {len(chosen)} of {len(files)} cases in {root}")
    return 0


def main(argv: Sequence[str]) -> int:
    parser = UsageErrorParser(prog="rlspec vectors")
    parser.add_argument("action", choices=["build", "verify"])
    parser.add_argument(
        "--dir",
        type=vector_set,
        default=DEFAULT_DIR,
        help=f"vector set: a folder, or a shipped set's name {', '.join(SHIPPED)} (default {VECTOR_VERSION})",
    )
    parser.add_argument(
        "--formulas",
        action="append",
        default=[],
        help="glob of formula ids (repeatable); into an existing set only their cases are (re)built, "
        "every other file is kept",
    )
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES, help="cases per formula (build)")
    parser.add_argument("--dps", type=int, default=DEFAULT_DPS, help="digits (build)")
    parser.add_argument("--all", action="store_true", help="recompute every case (verify)")
    parser.add_argument("--sample", type=int, default=12, help="cases to recompute (verify, default 12)")
    parser.add_argument("--seed", type=int, default=0, help="which sample to recompute (verify)")
    parser.add_argument("--quiet", action="store_true")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit:  # --help
        return 0
    if args.action == "build":
        if args.cases < 1 or args.dps < 1:
            raise UsageError("--cases and --dps must be positive")
        chosen = selected(args.formulas)
        into = bool(args.formulas)
        path = build(args.dir, chosen, args.cases, args.dps, log=not args.quiet, into_existing=into)
        print(f"wrote {path}")
        return 0
    try:
        return verify(args.dir, args.all, args.sample, args.seed, log=not args.quiet)
    except VerifyError as exc:
        print(f"rlspec vectors verify: {exc}")
        return 1


class VectorSource:
    """Stored vectors as the conformance suite's expected values (`rlspec conform --vectors DIR`):
    each formula is run on its stored cases, as they are, with the stored digits rounded to
    float64. The manifest and every hash are checked once, when the source is opened."""

    def __init__(self, directory: str) -> None:
        self.root = vector_set(directory)
        self.name = f"vectors:{directory}"
        try:
            manifest = read_manifest(self.root)
            self.files = check_hashes(self.root, manifest)
        except VerifyError as exc:
            raise UsageError(f"--vectors: {exc}") from None

    def fixed_cases(self, f: Any) -> list[Case]:
        """f's stored cases; where a case sits on a decision boundary (oracle/margins.py: the
        line search's acceptance, a PPO clip kink), the other answers float64 could reach are
        accepted too, as with the live oracle."""
        prefix = f"{f.id}/"
        cases = [
            case_from_vector(json.loads((self.root / rel).read_bytes()))
            for rel in self.files
            if rel.startswith(prefix)
        ]
        return [with_alternatives(f, case) for case in cases]

    def expected(self, f: Any, raw: dict[str, Any]) -> Any:
        raise UsageError(f"--vectors: {f.id} has no stored case for this instance")


def with_alternatives(f: Any, case: Case) -> Case:
    """The case with the answers a float64 evaluation could also reach on it (at the suite's
    digits)."""
    from rlspec.oracle.margins import ALTERNATIVES, reachable  # only --vectors runs need it

    if f.id not in ALTERNATIVES:
        return case
    others = reachable(f.id, arguments(f, from_mapping(json.loads(json.dumps(case.raw)))), SUITE_DPS)
    return replace(case, expected=replace(case.expected, alternatives=others)) if others else case


def conformance_source(directory: str) -> VectorSource:
    return VectorSource(directory)
