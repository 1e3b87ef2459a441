"""`rlspec grade SUBMISSIONS_DIR --config grading.toml [--out DIR] [--jobs N]`: a class at once.

A submission is a .py file directly in the folder (its name without .py is the student's id) or
a subfolder holding exactly one .py file (the subfolder's name is the id). The cases and every
expected value are computed once (cases.prepare); then the submissions are graded in parallel,
`--jobs` at a time (default: the machine's cores), each in its own walled workers. Per student,
OUT/<id>/results.json (Gradescope's format) and OUT/<id>/report.json (instructor detail); for the
class, OUT/gradebook.csv and OUT/gradebook.json. Every file is written after the student's
workers are dead, atomically. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from rlspec.conformance_tests.grading import feedback
from rlspec.conformance_tests.grading.cases import ClassCases, prepare
from rlspec.conformance_tests.grading.config import GradingConfig
from rlspec.conformance_tests.grading.grade import grade_submission
from rlspec.oracle.errors import UsageError

SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")


def discover(folder: Path) -> list[tuple[str, Path]]:
    """(student id, file) of every submission in the folder, sorted by id."""
    found: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix == ".py":
            student, path = entry.stem, entry
        elif entry.is_dir():
            files = [p for p in entry.iterdir() if p.is_file() and p.suffix == ".py"]
            if len(files) != 1:
                continue
            student, path = entry.name, files[0]
        else:
            continue
        safe = SAFE_ID.sub("_", student).strip(".") or "submission"
        if safe in found:
            raise UsageError(f"{folder}: {found[safe].name} and {path.name} are both student {safe!r}")
        found[safe] = path
    return sorted(found.items())


def grade_one(
    student: str, path: Path, cfg: GradingConfig, cases: ClassCases, out: Path, walled: bool, folder: Path
) -> dict[str, Any]:
    """Grade one student and write their files; a gradebook row."""
    grades, meta = grade_submission(path, cfg, (out, folder), cases=cases, walled=walled, name=student)
    folder = out / student
    folder.mkdir(exist_ok=True)
    feedback.write_gradescope(folder / "results.json", grades, cfg, meta)
    feedback.write_json(folder / "report.json", grades, cfg, meta)
    row: dict[str, Any] = {
        "student": student,
        "score": round(sum(feedback.points(g.score) for g in grades), 6),
        "max_score": feedback.points(cfg.total_points),
        "seconds": meta["seconds"],
        "import_error": meta["import_error"] or "",
    }
    row.update({g.id: feedback.points(g.score) for g in grades})
    return row


def write_gradebook(out: Path, rows: list[dict[str, Any]], cfg: GradingConfig) -> None:
    columns = ["student", "score", "max_score", *(f.id for f in cfg.formulas), "seconds", "import_error"]
    text = io.StringIO()
    writer = csv.DictWriter(text, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    feedback.write_atomically(out / "gradebook.csv", text.getvalue())
    doc = {
        "title": cfg.title,
        "config": str(cfg.path),
        "max_score": feedback.points(cfg.total_points),
        "students": rows,
    }
    feedback.write_atomically(out / "gradebook.json", json.dumps(doc, indent=1) + "\n")


def run(folder: Path, cfg: GradingConfig, args: argparse.Namespace, walled: bool) -> int:
    if args.gradescope or args.json:
        raise UsageError("--gradescope and --json are for one submission; a class is written to --out")
    submissions = discover(folder)
    if not submissions:
        raise UsageError(f"{folder}: no submissions (.py files, or folders holding one .py file)")
    out = Path(args.out) if args.out else folder.parent / f"{folder.name}-grades"
    if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
        raise UsageError(f"--out {out} must not be inside the submissions folder")
    out.mkdir(parents=True, exist_ok=True)
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")

    def say(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    started = time.perf_counter()
    cases = prepare(cfg, progress=say)
    say(f"cases computed once for the class in {time.perf_counter() - started:.1f} s")
    rows = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_one, s, p, cfg, cases, out, walled, folder): s for s, p in submissions}
        for done, future in enumerate(as_completed(futures), 1):
            row = future.result()
            rows.append(row)
            say(f"[{done}/{len(submissions)}] {row['student']}: {row['score']:g} of {row['max_score']:g}")
    rows.sort(key=lambda r: str(r["student"]))
    write_gradebook(out, rows, cfg)
    seconds = time.perf_counter() - started
    print(
        f"{cfg.title}: {len(rows)} submissions graded in {seconds:.1f} s ({jobs} at a time); "
        f"gradebook in {out}"
    )
    return 0
