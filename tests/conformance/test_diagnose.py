"""Diagnoses of failures, each on a constructed case whose bug is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlspec.conformance_tests import diagnose
from rlspec.conformance_tests.compare import EPS64, compare
from rlspec.conformance_tests.worker import CallResult
from rlspec.spec import formula as registered
from tests.conformance.helpers import IMPLS, MUTANTS, by_id, conform

RNG = np.random.default_rng(12)
S, A = 3, 4


def _tabular(gamma: float = 0.9) -> dict[str, object]:
    P = RNG.random((S, A, S))
    P /= P.sum(axis=2, keepdims=True)
    return {
        "P": P, "R": RNG.standard_normal((S, A, S)), "gamma": np.float64(gamma),
        "mu": np.full(S, 1.0 / S), "theta": RNG.standard_normal((S, A)),
    }  # fmt: skip


def _values(shape: tuple[int, ...]) -> np.ndarray:
    return RNG.standard_normal(shape) * 3.0 + 0.1


def _ok(got: np.ndarray) -> CallResult:
    return CallResult("ok", got.ravel().tolist(), got.shape)


def test_a_missing_inverse_horizon_is_named() -> None:
    f, inputs = registered("mdp.v"), _tabular(gamma=0.9)
    expected = _values((S,))
    outcome = compare(f, inputs, expected, _ok(expected * (1 - 0.9)))
    assert outcome.kind == "value"
    assert any(
        d.startswith("constant ratio: got / expected = 0.1 ") and "1-gamma" in d for d in outcome.diagnoses
    )
    assert "looks like constant ratio" in outcome.message
    inverse = diagnose.constant_ratio(f, inputs, expected, expected / (1 - 0.9), 1e-12)
    assert inverse is not None and "1/(1-gamma)" in inverse


def test_the_batch_size_and_the_number_of_actions_are_named() -> None:
    batch = registered("ppo.clip_objective_batch")
    inputs = {
        "logp_new": _values((7,)),
        "logp_old": _values((7,)),
        "adv": _values((7,)),
        "epsilon": np.float64(0.2),
    }
    found = diagnose.constant_ratio(batch, inputs, np.asarray(0.37), np.asarray(0.37 * 7), 1e-14)
    assert found is not None and "the batch size N = 7" in found
    h = registered("entropy.h")
    expected = _values((S,))
    by_actions = diagnose.constant_ratio(h, {"theta": _values((S, A))}, expected, expected / A, 1e-14)
    assert by_actions is not None and "1/|A| = 1/4" in by_actions
    bits = diagnose.constant_ratio(h, {"theta": _values((S, A))}, expected, expected / np.log(2), 1e-14)
    assert bits is not None and "1/ln 2" in bits  # entropy in bits


def test_an_unrecognized_constant_ratio_is_still_reported_but_not_on_a_scalar() -> None:
    f, inputs = registered("mdp.v"), _tabular()
    expected = _values((S,))
    found = diagnose.constant_ratio(f, inputs, expected, expected * 1.2345, 1e-12)
    assert found is not None and "1.2345" in found and "constant factor" in found
    assert diagnose.constant_ratio(f, inputs, np.asarray(2.0), np.asarray(2.0 * 1.2345), 1e-12) is None
    noisy = expected * (1 + 0.01 * RNG.standard_normal(S))
    assert diagnose.constant_ratio(f, inputs, expected, noisy, 1e-12) is None


def test_float32_outputs_and_float32_intermediates() -> None:
    expected = _values((S, A))
    single = expected.astype(np.float32).astype(np.float64)
    assert (diagnose.float32_rounding(expected, single) or "").startswith("float32: every returned value")
    # float32 in an intermediate: a few float32 ulps of error, but not representable outputs
    ulps = RNG.uniform(-3, 3, expected.shape) * 2.0**-23
    inner = expected * (1 + ulps) + expected * 1e-15
    found = diagnose.float32_rounding(expected, inner)
    assert found is not None and "float32 ulps" in found
    assert diagnose.float32_rounding(expected, expected + 1e-3) is None  # far beyond float32
    # a one-signed error that happens to be ~1e-7 relative (log(p + 1e-10) in an entropy) is a
    # systematic bias, not rounding: rounding errs both ways
    biased = expected * (1 + np.abs(ulps)) + expected * 1e-15
    assert diagnose.float32_rounding(np.abs(expected), np.abs(biased)) is None
    assert diagnose.float32_rounding(expected, expected * (1 + 1e-7)) is None  # a scaling, not rounding


def test_sign_flips_whole_and_partial() -> None:
    expected = _values((S, A))
    assert (diagnose.sign_flip(expected, -expected, 1e-12) or "").startswith("sign flip: got = -expected")
    partial = expected.copy()
    partial[1] *= -1
    found = diagnose.sign_flip(expected, partial, 1e-12)
    assert found is not None and f"on {A} of {S * A} entries" in found and "[1, 0]" in found
    assert diagnose.sign_flip(expected, expected + 1.0, 1e-12) is None


def test_transposed_and_reshaped_outputs() -> None:
    f, inputs = registered("mdp.q"), _tabular()
    expected = _values((S, A))
    shape = compare(f, inputs, expected, _ok(expected.T.copy()))
    assert shape.kind == "shape" and any(d.startswith("transposed") for d in shape.diagnoses)
    flat = compare(f, inputs, expected, _ok(expected.ravel()))
    assert any("row-major order" in d for d in flat.diagnoses)
    square = _values((S, S))
    found = diagnose.layout(f, inputs, square, square.T.copy(), 1e-12)
    assert found is not None and found.startswith("transposed")


def test_a_fisher_flattened_column_major() -> None:
    f, inputs = registered("npg.fisher"), _tabular()
    blocks = _values((S * A, S * A))
    expected = blocks + blocks.T
    # index a * S + s instead of s * A + a: got[a*S+s, b*S+t] = expected[s*A+a, t*A+b]
    order = np.array([s * A + a for a in range(A) for s in range(S)])
    got = expected[np.ix_(order, order)]
    found = diagnose.layout(f, inputs, expected, got, 1e-12)
    assert found is not None and found.startswith("flattened column-major")


def test_an_error_only_on_one_corner() -> None:
    failing = [("gamma_near_1", "deterministic_P"), ("gamma_near_1",)]
    passing = [("deterministic_P",), ()]
    found = diagnose.corner_pattern(failing, passing)
    assert found is not None and "only on corner gamma_near_1" in found and "all 2 failing" in found
    assert diagnose.corner_pattern(failing, [("gamma_near_1",)]) is None  # a conforming one has it too
    assert diagnose.corner_pattern(failing, []) is None  # nothing to contrast with


def test_argument_names_against_the_registry() -> None:
    f = registered("npg.fisher")  # (P, gamma, mu, theta)
    assert diagnose.argument_names(f, ["P", "gamma", "mu", "theta"]) is None
    swapped = diagnose.argument_names(f, ["P", "mu", "gamma", "theta"])
    assert swapped is not None and "'mu' receives 'gamma'" in swapped and "'gamma' receives 'mu'" in swapped
    renamed = diagnose.argument_names(f, ["P", "discount", "mu", "logits"])
    assert renamed is not None and "'discount' for 'gamma'" in renamed and "'logits' for 'theta'" in renamed
    fewer = diagnose.argument_names(f, ["P", "gamma", "theta"])
    assert fewer is not None and "takes 3 parameters, the registry passes 4" in fewer


def test_a_conforming_small_error_gets_no_diagnosis() -> None:
    f, inputs = registered("mdp.v"), _tabular()
    expected = _values((S,))
    outcome = compare(f, inputs, expected, _ok(expected + 3 * EPS64))
    assert outcome.ok and outcome.diagnoses == []


def test_swapped_argument_names_are_diagnosed_from_the_source(tmp_path: Path) -> None:
    impl = str(IMPLS / "swapped_arguments.py")
    assert diagnose.declared_parameters(impl)["mdp_v"] == ("P", "R", "theta", "gamma")
    status, doc, out, _ = conform(impl, "--formulas", "mdp.v,entropy.h", "--examples", "3", tmp=tmp_path)
    rows = by_id(doc)
    assert status == 1 and rows["mdp.v"]["status"] == "fail" and rows["entropy.h"]["status"] == "pass"
    assert rows["mdp.v"]["failure"]["kind"] == "raised"  # theta received the scalar gamma
    assert all(
        i["units"] is None for i in rows["mdp.v"]["instances"] if i["kind"] == "raised"
    )  # no error to plot
    found = rows["mdp.v"]["failure"]["diagnoses"]
    assert any("'theta' receives 'gamma'" in d and "'gamma' receives 'theta'" in d for d in found)
    assert "looks like arguments in another order" in out


def test_a_bug_only_on_one_corner_is_named_in_a_run(tmp_path: Path) -> None:
    # the mutant zeroes the direction where mu = 0, which matters only when such a state is reached
    mutant = str(MUTANTS / "npg__direction_mu_support.py")
    status, doc, _, _ = conform(mutant, "--formulas", "npg.direction", "--examples", "6", tmp=tmp_path)
    row = by_id(doc)["npg.direction"]
    assert status == 1 and row["status"] == "fail"
    failing = {i["corner"] for i in row["instances"] if i["kind"] != "ok"}
    assert failing == {"mu_zero_on_reached_states"}
    assert any(d.startswith("only on corner mu_zero_on_reached_states") for d in row["failure"]["diagnoses"])
