"""The `rlspec` command line. Bad input: one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

# The oracle's float64 factorizations are small (|S| x |S|): BLAS threads only contend for the
# cores (a 200 x 200 LU took 0.3 s instead of 0.3 ms on a busy 2-core machine). Set before numpy
# is imported by the families below.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from rlspec import spec, teach
from rlspec.oracle.errors import InstanceError, UsageError, UsageErrorParser
from rlspec.oracle.evaluate import evaluate, lookup
from rlspec.oracle.generation import instance_text
from rlspec.oracle.instance import load
from rlspec.spec.formula import Formula
from rlspec.spec.selection import SelectionError, select


def build_parser() -> argparse.ArgumentParser:
    parser = UsageErrorParser(prog="rlspec", description="Ground truth for policy optimization.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=UsageErrorParser)

    p = sub.add_parser("list", help="formula ids with their section and title ('ppo.*', '*,!soft.*')")
    p.add_argument("patterns", nargs="*", metavar="GLOB", help="only these ids ('!GLOB' excludes)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("show", help="one formula: signature, shapes, tolerance, lecture, its pieces")
    p.add_argument("formula", metavar="ID")

    p = sub.add_parser("stub", help="an adapter skeleton for `rlspec conform` (save it, fill it in)")
    p.add_argument("patterns", nargs="+", metavar="GLOB", help="the formulas to include ('mdp.*')")

    p = sub.add_parser("oracle", help="one value with its error bound")
    p.add_argument("formula")
    p.add_argument("--instance", required=True, help="instance JSON file")
    p.add_argument("--dps", type=int, default=30, help="significant decimal digits (default 30)")
    p.add_argument("--json", action="store_true", help="(the output is always one JSON object)")

    p = sub.add_parser(
        "generate",
        help="a seeded random instance (JSON on stdout); --formula ID adds the params ID needs",
        epilog=teach.families_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("family")
    p.add_argument("--seed", type=int, required=True)

    p = sub.add_parser("conform", help="run the conformance suite on an implementation")
    p.add_argument("impl", help="module name or path to a .py file")

    p = sub.add_parser("grade", help="grade an untrusted submission in a sandbox (--config grading.toml)")
    p.add_argument("submission", help="the student's .py file")

    p = sub.add_parser("vectors", help="golden vectors: build or verify")
    p.add_argument("action", choices=["build", "verify"])

    sub.add_parser("docs", help="regenerate CONFORMANCE.md, spec/ERRATA.md and the spec pages")
    return parser


def _family_options(extra: Sequence[str]) -> dict[str, object]:
    """`--states 4 --kind sparse` -> {"states": 4, "kind": "sparse"}."""
    options: dict[str, object] = {}
    items = list(extra)
    while items:
        flag = items.pop(0)
        if not flag.startswith("--") or not items:
            raise UsageError(f"unexpected argument {flag!r} (family options are --name value)")
        text = items.pop(0)
        value: object = text
        for cast in (int, float):
            try:
                value = cast(text)
                break
            except ValueError:
                continue
        options[flag[2:].replace("-", "_")] = value
    return options


def chosen(patterns: Sequence[str]) -> list[Formula]:
    """The registered formulas the globs choose (all when none); a usage error otherwise."""
    try:
        return select(spec.formulas(), patterns)
    except SelectionError as exc:
        raise UsageError(str(exc)) from None


def cmd_list(patterns: Sequence[str], as_json: bool) -> int:
    formulas = chosen(patterns)
    print(json.dumps(teach.list_rows(formulas), indent=1) if as_json else teach.list_text(formulas))
    return 0


def cmd_show(formula_id: str) -> int:
    print(teach.card(lookup(formula_id)))
    return 0


def cmd_stub(patterns: Sequence[str]) -> int:
    sys.stdout.write(teach.stub(chosen(patterns), "stub.py"))
    return 0


def cmd_oracle(formula_id: str, path: str, dps: int) -> int:
    instance = load(path)
    try:
        result = evaluate(formula_id, instance, dps)
    except (ArithmeticError, ValueError) as exc:
        # Inputs valid in form but too extreme for the reference (e.g. logits near 1e308):
        # one line, never a traceback and never a number.
        raise UsageError(
            f"cannot evaluate {formula_id} on {path}: {type(exc).__name__}: {exc} "
            "(inputs this extreme are outside what the oracle supports)"
        ) from None
    print(json.dumps(result.to_json()))
    return 0


def cmd_generate(family: str, seed: int, extra: Sequence[str]) -> int:
    extra, formula_ids = _pop_formulas(extra)
    sys.stdout.write(instance_text(family, seed, _family_options(extra), formula_ids))
    return 0


def _pop_formulas(extra: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split `--formula ID` pairs (repeatable: the params every named formula needs are added)."""
    rest, ids = [], []
    items = list(extra)
    while items:
        flag = items.pop(0)
        if flag == "--formula":
            if not items:
                raise UsageError("--formula needs a formula id")
            ids.append(items.pop(0))
        else:
            rest.append(flag)
    return rest, ids


# Subcommands with their own argument parsers: everything after the name goes to them as is
# (so `rlspec conform --help` shows the suite's options).
def run_conform(argv: Sequence[str]) -> int:
    from rlspec.conformance_tests import conform_cli  # hypothesis and the worker: only when used

    return conform_cli.main(argv)


def run_grade(argv: Sequence[str]) -> int:
    from rlspec.conformance_tests.grading import grade  # the sandbox: only when used

    return grade.main(argv)


def run_vectors(argv: Sequence[str]) -> int:
    from rlspec.oracle import vectors

    return vectors.main(argv)


DELEGATED: dict[str, Callable[[Sequence[str]], int]] = {
    "conform": run_conform,
    "vectors": run_vectors,
    "grade": run_grade,
}


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if args_list and args_list[0] in DELEGATED:
            return DELEGATED[args_list[0]](args_list[1:])
        parser = build_parser()
        if args_list[:1] == ["generate"]:
            args, extra = parser.parse_known_args(args_list)
        else:
            args, extra = parser.parse_args(args_list), []
        if args.command == "list":
            return cmd_list(args.patterns, args.json)
        if args.command == "show":
            return cmd_show(args.formula)
        if args.command == "stub":
            return cmd_stub(args.patterns)
        if args.command == "oracle":
            return cmd_oracle(args.formula, args.instance, args.dps)
        if args.command == "generate":
            return cmd_generate(args.family, args.seed, extra)
        if args.command == "docs":
            from rlspec.spec.render import write_all

            for path in write_all():
                print(f"wrote {path}")
            return 0
        raise UsageError(f"unknown command {args.command}")
    except UsageError as exc:
        print(f"rlspec: {exc}", file=sys.stderr)
        return 2
    except InstanceError as exc:
        print(f"rlspec: bad instance: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `rlspec list | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
