"""Comparison in units of eps64 * scale, conventions, and the worker's data protocol."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rlspec.conformance_tests.compare import EPS64, compare
from rlspec.conformance_tests.worker import CallResult, Worker, decode, encode
from rlspec.spec.formula import Arg, Convention, Formula, Tolerance
from tests.conformance.helpers import IMPLS, ROOT


def _formula(*conventions: Convention, factor: float = 8.0) -> Formula:
    x = Arg("x", ("N",), "params.x", "", domain="real")
    return Formula(
        id="test.mean", section="s", title="mean", latex="", equation="", family="batch", args=(x,),
        output_shape=(), tolerance=Tolerance("t", factor, "amax(x)", ""), reference="x:y",
        conventions=conventions,
    )  # fmt: skip


def _ok(value: float) -> CallResult:
    return CallResult("ok", [value], ())


INPUTS = {"x": np.array([1.0, -4.0, 2.0])}  # amax = 4, N = 3


def test_units_are_eps64_times_the_scale_of_the_inputs() -> None:
    f = _formula()
    expected = np.asarray(-1.0 / 3.0)
    inside = compare(f, INPUTS, expected, _ok(float(expected) + 7 * EPS64 * 4))
    assert inside.ok and inside.units == pytest.approx(7, rel=1e-3)
    outside = compare(f, INPUTS, expected, _ok(float(expected) + 9 * EPS64 * 4))
    assert not outside.ok and outside.kind == "value" and outside.units == pytest.approx(9, rel=1e-3)
    assert "tolerance 8 units" in outside.message


def test_a_zero_output_is_judged_by_the_input_scale() -> None:
    f = _formula()
    assert compare(f, INPUTS, np.asarray(0.0), _ok(20 * EPS64)).ok


def test_conventions_match_and_are_named() -> None:
    f = _formula(Convention("loss", "loss", ""), Convention("sum", "sum_reduction", ""))
    expected = np.asarray(-1.0 / 3.0)
    assert compare(f, INPUTS, expected, _ok(-1.0 / 3.0)).matched == ("lecture",)
    assert compare(f, INPUTS, expected, _ok(1.0 / 3.0)).matched == ("loss",)
    assert compare(f, INPUTS, expected, _ok(-1.0)).matched == ("sum",)
    wrong = compare(f, INPUTS, expected, _ok(2.0))
    assert not wrong.ok and wrong.matched == ()
    without = compare(_formula(), INPUTS, expected, _ok(1.0 / 3.0))
    assert not without.ok  # a sign flip is a bug where no convention is declared


def test_shape_nan_and_errors_are_reported() -> None:
    f = _formula()
    assert compare(f, INPUTS, np.asarray(1.0), CallResult("ok", [1.0, 1.0], (2,))).kind == "shape"
    assert compare(
        f, INPUTS, np.asarray(1.0), CallResult("ok", [1.0], (1,))
    ).ok  # a size-1 array for a scalar
    nan = compare(f, INPUTS, np.asarray(1.0), _ok(float("nan")))
    assert nan.kind == "nan" and "nan" in nan.message
    err = compare(f, INPUTS, np.asarray(1.0), CallResult("raised", message="raised ValueError: x"))
    assert err.kind == "raised" and err.message == "raised ValueError: x"


def test_encoding_is_plain_floats_and_shapes() -> None:
    flat, shape = encode(np.arange(6.0).reshape(2, 3))
    assert flat == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] and shape == [2, 3]
    assert all(type(v) is float for v in flat)
    scalar = decode([2.5], [])
    assert isinstance(scalar, float) and isinstance(scalar, np.float64)


def test_worker_times_out_and_restarts() -> None:
    with Worker(str(IMPLS / "crashes.py"), timeout=5.0) as worker:
        names = worker.start()
        assert {"mdp_v", "mdp_q", "mdp_advantage"} <= names
        P = np.ones((1, 1, 1))
        R = np.full((1, 1, 1), 2.0)
        theta = np.zeros((1, 1))
        crashed = worker.call("mdp_v", [P, R, 0.5, theta])
        assert crashed.kind == "crashed" and "exit code 3" in crashed.message
        good = worker.call("mdp_advantage", [P, R, 0.5, theta])
        assert good.ok and good.array().tolist() == [[0.0]]
        assert worker.restarts == 1
    with Worker(str(IMPLS / "hangs.py"), timeout=0.3) as worker:
        worker.start()
        hung = worker.call("mdp_v", [P, R, 0.5, theta])
        assert hung.kind == "timeout" and hung.message == "timed out after 0.3 s"


def test_stored_vector_cases_drive_the_runner(tmp_path: Path) -> None:
    from rlspec.conformance_tests.runner import Session, registered
    from rlspec.conformance_tests.sources import StoredCases, case_from_vector
    from rlspec.oracle.vectors import CasePlan, build_case

    docs = [build_case(CasePlan("mdp.v", k, "tabular", 50 + k, {}), dps=30) for k in range(2)]
    source = StoredCases({"mdp.v": [case_from_vector(d) for d in docs]})
    example = str(ROOT / "conformance_tests" / "examples" / "numpy_impl.py")
    mutant = str(ROOT / "conformance_tests" / "mutants" / "mdp__off_by_one_discount.py")
    with Session(example, source=source, out_dir=tmp_path) as session:
        good = session.check(registered("mdp.v"))
    assert good.status == "pass" and good.examples == 2
    with Session(mutant, source=source, out_dir=tmp_path) as session:
        bad = session.check(registered("mdp.v"))
    assert bad.status == "fail" and bad.failure is not None and bad.failure.raw == docs[0]["instance"]
