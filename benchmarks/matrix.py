"""The conformance matrix: RL libraries x formulas, from runs of rlspec's shipped adapters.

    python3 benchmarks/matrix.py --run --python /tmp/libs-venv/bin/python   # run, store, render
    python3 benchmarks/matrix.py --write                                     # render the stored runs
    python3 benchmarks/matrix.py --check                                     # exit 1 when stale

`--run` runs `rlspec conform rlspec.adapters.LIB --seed S --xfails rlspec/adapters/xfails/LIB.toml`
for every library and seed with the given interpreter (a venv where the libraries are installed,
e.g. the one .ci/run builds), and stores the verdicts in benchmarks/conformance_matrix.json (the
source); `--write` renders CONFORMANCE-MATRIX.md from it; `--check` is what the staleness test
runs. A formula's verdict over the seeds: fail if any seed fails, else known deviation if any
seed shows the listed deviation, else pass with the peak error over all seeds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "benchmarks" / "conformance_matrix.json"
MATRIX = ROOT / "CONFORMANCE-MATRIX.md"
XFAILS = ROOT / "rlspec" / "adapters" / "xfails"
SEEDS = (0, 1, 2, 3, 4)
EXAMPLES = 30
CALL_TIMEOUT = 60.0  # the matrix states correctness: a loaded machine must not turn into timeouts
# a seed's status -> its rank in the verdict over seeds (lowest wins); a listed deviation that a
# seed does not show ("xfail_passed") counts as a pass of that seed
ORDER = {"fail": 0, "error": 0, "known_deviation": 1, "pass": 2, "xfail_passed": 2}

# adapter module -> (the library as the matrix names it, the distributions whose versions count)
LIBRARIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "torch_distributions": ("torch.distributions", ("torch",)),
    "sb3": ("stable-baselines3 + sb3-contrib", ("stable-baselines3", "sb3-contrib", "torch")),
    "torchrl": ("torchrl", ("torchrl", "tensordict", "torch")),
    "rlax": ("rlax + distrax + optax", ("rlax", "distrax", "optax", "jax")),
    "tianshou": ("tianshou", ("tianshou", "torch")),
}


# ---- running the adapters ---------------------------------------------------------------------


def versions(python: str, packages: tuple[str, ...]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys; "
        "print(json.dumps({p: m.version(p) for p in sys.argv[1:]}))"
    )
    out = subprocess.run([python, "-c", code, *packages], capture_output=True, text=True, check=True)
    found: dict[str, str] = json.loads(out.stdout)
    return found


def conform(python: str, module: str, seed: int, examples: int, scratch: Path) -> dict[str, Any]:
    """One `rlspec conform` run of an adapter; its JSON report."""
    report = scratch / f"{module}-{seed}.json"
    command = [python, "-m", "rlspec", "conform", f"rlspec.adapters.{module}", "--seed", str(seed)]
    command += ["--examples", str(examples), "--quiet", "--json", str(report), "--out", str(scratch / "out")]
    command += ["--timeout", str(CALL_TIMEOUT), "--import-timeout", str(10 * CALL_TIMEOUT)]
    xfails = XFAILS / f"{module}.toml"
    if xfails.exists():
        command += ["--xfails", str(xfails)]
    done = subprocess.run(command, capture_output=True, text=True)
    if not report.exists():
        raise SystemExit(f"rlspec conform {module} --seed {seed} wrote no report: {done.stderr.strip()}")
    run: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return run


def instance_text(failure: dict[str, Any]) -> str | None:
    path = failure.get("instance")
    if not path or not Path(path).exists():
        return None
    return json.dumps(json.loads(Path(path).read_text(encoding="utf-8")), separators=(",", ":"))


def merge(verdicts: dict[str, dict[str, Any]], report: dict[str, Any], seed: int) -> None:
    """Fold one seed's report into the per-formula verdicts (worst status wins, peak is the max)."""
    for f in report["formulas"]:
        if f["status"] in ("not_implemented", "skipped"):
            continue
        entry = verdicts.setdefault(f["id"], {"status": "pass", "peak_units": 0.0, "seeds": []})
        entry["seeds"].append(seed)
        entry["convention"] = f.get("convention") or entry.get("convention")
        if f["status"] in ("pass", "xfail_passed"):
            entry["peak_units"] = max(entry["peak_units"], f.get("peak_units") or 0.0)
        elif worse(f, entry):
            entry["status"] = f["status"]
            entry["detail"] = detail(f, seed)


def worse(f: dict[str, Any], entry: dict[str, Any]) -> bool:
    """Whether a seed's result replaces the verdict so far: a worse status, or the same status
    with a larger error (the strongest evidence is the one shown)."""
    rank, current = ORDER.get(f["status"], 0), ORDER[entry["status"]]
    if rank != current:
        return rank < current
    units = (f.get("failure") or {}).get("units") or 0.0
    return "detail" in entry and units > (entry["detail"].get("units") or 0.0)


def detail(f: dict[str, Any], seed: int) -> dict[str, Any]:
    failure = f.get("failure") or {}
    return {
        "seed": seed,
        "message": f.get("message", ""),
        "units": failure.get("units"),
        "diagnoses": failure.get("diagnoses", []),
        "entries": failure.get("entries", [])[:2],
        "instance": instance_text(failure),
    }


def listed(module: str) -> dict[str, dict[str, str]]:
    """The adapter's xfails file: formula id -> {reason, link}."""
    path = XFAILS / f"{module}.toml"
    if not path.exists():
        return {}
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["xfail"]
    return {e["id"]: {k: e[k] for k in ("reason", "link") if k in e} for e in entries}


def annotate(verdicts: dict[str, dict[str, Any]], xfails: dict[str, dict[str, str]]) -> None:
    """Reasons and links of the listed deviations; a listed formula that conformed on every seed
    is flagged (its entry in the xfails file is stale)."""
    for formula_id, entry in verdicts.items():
        if formula_id in xfails:
            entry["xfail"] = xfails[formula_id]
            entry["stale_xfail"] = entry["status"] == "pass"


def run_all(python: str, seeds: tuple[int, ...], examples: int, modules: list[str]) -> dict[str, Any]:
    libraries = []
    with tempfile.TemporaryDirectory(prefix="rlspec-matrix-") as scratch:
        for module in modules:
            name, packages = LIBRARIES[module]
            verdicts: dict[str, dict[str, Any]] = {}
            for seed in seeds:
                merge(verdicts, conform(python, module, seed, examples, Path(scratch)), seed)
            annotate(verdicts, listed(module))
            libraries.append(
                {"module": module, "name": name, "versions": versions(python, packages), "formulas": verdicts}
            )
    return {"seeds": list(seeds), "examples": examples, "profile": "float64", "libraries": libraries}


# ---- rendering --------------------------------------------------------------------------------


def units(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def verdict(entry: dict[str, Any]) -> str:
    status, d = entry["status"], entry.get("detail") or {}
    if status == "pass":
        convention = entry.get("convention")
        tail = f", convention `{convention}`" if convention and convention != "lecture" else ""
        stale = "; listed as a deviation but never shown: stale xfail" if entry.get("stale_xfail") else ""
        return f"pass (peak {units(entry['peak_units'])} units{tail}{stale})"
    if status == "known_deviation":
        return f"known deviation ({units(d.get('units'))} units, seed {d.get('seed')})"
    return f"**FAIL** ({units(d.get('units'))} units, seed {d.get('seed')})"


def library_section(lib: dict[str, Any]) -> list[str]:
    pinned = ", ".join(f"{p} {v}" for p, v in lib["versions"].items())
    lines = [f"## {lib['name']}", "", f"`rlspec conform rlspec.adapters.{lib['module']}` -- {pinned}", ""]
    lines += ["| formula | verdict | evidence |", "|---|---|---|"]
    for formula_id, entry in sorted(lib["formulas"].items()):
        listed_as = entry.get("xfail") or {}
        evidence = listed_as.get("reason") or (entry.get("detail") or {}).get("message") or ""
        if listed_as.get("link"):
            evidence += f" ([source]({listed_as['link']}))"
        lines.append(f"| `{formula_id}` | {verdict(entry)} | {cell(evidence)} |")
    return [*lines, ""]


def finding(lib: dict[str, Any], formula_id: str, entry: dict[str, Any]) -> list[str]:
    d, listed_as = entry["detail"], entry.get("xfail") or {}
    kind = "known deviation" if entry["status"] == "known_deviation" else "FAIL"
    lines = [f"### {lib['name']}: `{formula_id}` ({kind})", ""]
    if listed_as.get("reason"):
        lines += [cell(listed_as["reason"]), ""]
    cite = listed_as.get("reason", "") + (f"; {listed_as['link']}" if listed_as.get("link") else "")
    measured = str(d.get("message", "")).removeprefix(f"known deviation ({cite}): ")
    lines.append(f"- measured: {cell(measured)} (seed {d.get('seed')})")
    lines += [f"- looks like: {cell(x)}" for x in d.get("diagnoses", [])]
    for e in d.get("entries", []):
        at = f"- at {e['index']}: expected {e['expected']!r}, got {e['got']!r}"
        lines.append(f"{at} ({units(e['units'])} units)")
    if d.get("instance"):
        lines.append(f"- smallest failing instance: `{d['instance']}`")
    if listed_as.get("link"):
        lines.append(f"- source: {listed_as['link']}")
    return [*lines, ""]


def summary_row(lib: dict[str, Any]) -> str:
    counts = {"pass": 0, "known_deviation": 0, "fail": 0}
    for entry in lib["formulas"].values():
        key = entry["status"] if entry["status"] in counts else "fail"
        counts[key] += 1
    pinned = ", ".join(f"{p} {v}" for p, v in lib["versions"].items())
    return (
        f"| {lib['name']} | {pinned} | {len(lib['formulas'])} | {counts['pass']} | "
        f"{counts['known_deviation']} | {counts['fail']} |"
    )


def render(doc: dict[str, Any]) -> str:
    seeds = ", ".join(str(s) for s in doc["seeds"])
    lines = [
        "# Conformance matrix: RL libraries against rlspec",
        "",
        "<!-- generated by `python3 benchmarks/matrix.py --write` from benchmarks/conformance_matrix.json;"
        " do not edit -->",
        "",
        f"Each library's own functions, called through `rlspec.adapters.LIB` in float64, checked by"
        f" `rlspec conform` on seeds {seeds} with {doc['examples']} instances per formula and seed"
        f" ({doc['profile']} profile). Units are eps64 times the formula's scale (CONFORMANCE.md); a"
        " known deviation is listed with its reason in `rlspec/adapters/xfails/LIB.toml` and still"
        " measured. Reproduce: `python3 benchmarks/matrix.py --run --python VENV/bin/python`.",
        "",
        "| library | versions | formulas | pass | known deviation | fail |",
        "|---|---|---|---|---|---|",
        *[summary_row(lib) for lib in doc["libraries"]],
        "",
    ]
    for lib in doc["libraries"]:
        lines += library_section(lib)
    lines += ["## Deviations found, with their evidence", ""]
    for lib in doc["libraries"]:
        for formula_id, entry in sorted(lib["formulas"].items()):
            if entry["status"] != "pass":
                lines += finding(lib, formula_id, entry)
    return "\n".join(lines).rstrip() + "\n"


def store(doc: dict[str, Any]) -> None:
    """Write the runs to SOURCE, keeping the stored rows of the libraries not run (same settings)."""
    if SOURCE.exists():
        old = json.loads(SOURCE.read_text(encoding="utf-8"))
        same = all(old[k] == doc[k] for k in ("seeds", "examples", "profile"))
        ran = {lib["module"] for lib in doc["libraries"]}
        kept = [lib for lib in old["libraries"] if same and lib["module"] not in ran]
        order = list(LIBRARIES)
        doc["libraries"] = sorted(kept + doc["libraries"], key=lambda lib: order.index(lib["module"]))
    SOURCE.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def verify(doc: dict[str, Any]) -> int:
    """CI: every formula of every adapter passes or shows its listed deviation on some seed."""
    problems = []
    for lib in doc["libraries"]:
        for formula_id, entry in sorted(lib["formulas"].items()):
            if entry["status"] not in ("pass", "known_deviation") or entry.get("stale_xfail"):
                problems.append(f"{lib['module']} {formula_id}: {verdict(entry)}")
        print(f"{lib['module']}: {summary_row(lib)}")
    for line in problems:
        print(f"NOT AS EXPECTED {line}")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", action="store_true", help="run the adapters, store the verdicts, render")
    p.add_argument("--write", action="store_true", help="render CONFORMANCE-MATRIX.md from the stored runs")
    p.add_argument("--check", action="store_true", help="exit 1 when CONFORMANCE-MATRIX.md is stale")
    p.add_argument(
        "--verify", action="store_true", help="run (storing nothing); exit 1 on a failure outside the xfails"
    )
    p.add_argument("--python", default=sys.executable, help="interpreter with the libraries installed")
    p.add_argument("--seeds", default=",".join(map(str, SEEDS)), help="comma-separated seeds")
    p.add_argument("--examples", type=int, default=EXAMPLES, help="instances per formula and seed")
    p.add_argument(
        "--only", default=",".join(LIBRARIES), help="adapters to run (comma-separated); others' rows are kept"
    )
    args = p.parse_args(argv)
    seeds = tuple(int(s) for s in args.seeds.split(","))
    modules = [m for m in args.only.split(",") if m]
    unknown = [m for m in modules if m not in LIBRARIES]
    if unknown:
        p.error(f"--only: no adapter {unknown[0]!r} (adapters: {', '.join(LIBRARIES)})")
    if args.verify:
        return verify(run_all(args.python, seeds, args.examples, modules))
    if args.run:
        store(run_all(args.python, seeds, args.examples, modules))
    text = render(json.loads(SOURCE.read_text(encoding="utf-8")))
    if args.check:
        stale = not MATRIX.exists() or MATRIX.read_text(encoding="utf-8") != text
        print(f"{MATRIX.name} is {'stale: run benchmarks/matrix.py --write' if stale else 'up to date'}")
        return 1 if stale else 0
    if args.run or args.write:
        MATRIX.write_text(text, encoding="utf-8")
        print(f"wrote {MATRIX}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
