"""The suite tests itself: every mutant (a copy of the example with one realistic bug) must be
rejected on the formulas it names in KILLS, and the run must name each of them.

A mutant the default run cannot see yet (its bug needs an instance no family draws) says why in
HIDDEN and gives a `witness(raw)` that turns a drawn instance into one exposing it: the test
checks that it is wrong there against the oracle (a genuine bug), and its kill test is a strict
xfail, so it turns red the day the suite starts catching it and the marker must go."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rlspec import spec
from rlspec.conformance_tests.compare import compare
from rlspec.conformance_tests.engine import instance_inputs
from rlspec.conformance_tests.worker import CallResult
from rlspec.oracle.evaluate import evaluate
from rlspec.oracle.instance import from_mapping
from rlspec.oracle.sampling import sample_instance
from tests.conformance.helpers import MUTANTS, by_id, conform

MUTANT_EXAMPLES = 12  # a mutant file may ask for more with EXAMPLES = n (and another seed: SEED = n)


def mutant_files() -> list[Path]:
    return sorted(p for p in MUTANTS.glob("*__*.py") if not p.name.startswith("_"))


def kills(path: Path) -> tuple[tuple[str, ...], int, int]:
    """KILLS, the number of examples (EXAMPLES, at least MUTANT_EXAMPLES) and the seed (SEED, 0)."""
    namespace = runpy.run_path(str(path))
    value = namespace.get("KILLS")
    assert isinstance(value, tuple) and value, f"{path.name}: KILLS must be a non-empty tuple of formula ids"
    return value, max(MUTANT_EXAMPLES, int(namespace.get("EXAMPLES", 0))), int(namespace.get("SEED", 0))


def test_there_are_mutants_for_the_core() -> None:
    assert len([p for p in mutant_files() if p.name.startswith("mdp__")]) >= 10


def hidden(path: Path) -> str | None:
    value = runpy.run_path(str(path)).get("HIDDEN")
    return str(value) if value else None


def marked(paths: list[Path]) -> list[Any]:
    return [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=str(hidden(p)))) if hidden(p) else p
        for p in paths
    ]


@pytest.mark.parametrize("path", marked(mutant_files()), ids=lambda p: p.stem)
def test_mutant_is_killed(tmp_path: Path, path: Path) -> None:
    ids, examples, seed = kills(path)
    status, doc, out, _ = conform(
        str(path), "--formulas", ",".join(ids), "--examples", str(examples), "--seed", str(seed), tmp=tmp_path
    )
    rows = by_id(doc)
    survivors = [i for i in ids if rows[i]["status"] != "fail"]
    assert status == 1 and not survivors, f"{path.name} survives on {survivors}"
    for i in ids:
        assert f"FAIL {i} " in out


@pytest.mark.parametrize("path", [p for p in mutant_files() if hidden(p)], ids=lambda p: p.stem)
def test_hidden_mutant_is_wrong_on_its_witness(path: Path) -> None:
    namespace = runpy.run_path(str(path))
    for formula_id in namespace["KILLS"]:
        f = spec.formula(formula_id)
        raw = json.loads(json.dumps(namespace["witness"](sample_instance(f.family, 0, {}, (f,)))))
        expected = evaluate(formula_id, from_mapping(raw), dps=30)
        value = np.vectorize(float, otypes=[float])(np.asarray(expected.value, dtype=object))
        inputs = instance_inputs(f, raw)
        with np.errstate(all="ignore"):
            got = np.asarray(namespace[f.adapter_name](*[inputs[a.name] for a in f.args]), dtype=float)
        outcome = compare(f, inputs, value, CallResult("ok", got.ravel().tolist(), got.shape))
        assert not outcome.ok, f"{path.name}: conforms on its witness for {formula_id}"
