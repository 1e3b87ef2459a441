"""The second, independent float64 implementation (tests/conformance/impls/independent.py)
conforms on every registered formula at the default settings: the suite's check against false
rejections (a correct implementation that computes differently from the bundled example must
pass). `benchmarks/false_rejections.py` runs it, and the example, over many seeds."""

from __future__ import annotations

from pathlib import Path

import mpmath
import numpy as np

from rlspec.conformance_tests.runner import registry
from tests.conformance.helpers import IMPLS, by_id, conform
from tests.conformance.impls.independent_impl.mdp import gth_stationary
from tests.conformance.impls.independent_impl.numerics import log_softmax, policy_change
from tests.conformance.impls.independent_impl.trpo import (
    natural_step,
    policy_gain,
    trpo_line_search_backtracks,
)

INDEPENDENT = str(IMPLS / "independent.py")


def test_independent_implementation_conforms_on_every_formula(tmp_path: Path) -> None:
    status, doc, _, _ = conform(INDEPENDENT, "--seed", "0", tmp=tmp_path)
    rows = by_id(doc)
    assert set(rows) == {f.id for f in registry()}
    failing = {k: r["message"] for k, r in rows.items() if r["status"] != "pass"}
    assert failing == {}
    assert status == 0


def test_gth_stationary_law_by_hand() -> None:
    # two states, P = [[1 - a, a], [b, 1 - b]]: pi = (b, a) / (a + b); the periodic swap (a = b = 1)
    # has the Cesaro limit (1/2, 1/2)
    a, b = 0.25, 0.0625
    assert np.allclose(gth_stationary(np.array([[1 - a, a], [b, 1 - b]])), [0.2, 0.8], rtol=1e-15)
    assert np.array_equal(gth_stationary(np.array([[0.0, 1.0], [1.0, 0.0]])), [0.5, 0.5])
    # a slowly mixing chain (a = b = 1e-12): still (1/2, 1/2) to the last digits
    tiny = 1e-12
    assert np.allclose(gth_stationary(np.array([[1 - tiny, tiny], [tiny, 1 - tiny]])), [0.5, 0.5], rtol=1e-15)


def test_near_deterministic_policy_keeps_its_small_probabilities() -> None:
    # pi = softmax([0, -50]): pi_1 = e^-50 / (1 + e^-50); log pi_0 = -log1p(e^-50) = -e^-50 to rounding,
    # which log(1 + e^-50) = log(1.0) = 0 would lose
    tail = np.exp(-50.0)
    logp = log_softmax(np.array([[0.0, -50.0]]))
    assert abs(logp[0, 0] + tail) <= 1e-15 * tail
    # pi_new - pi_t for a step that makes the policy deterministic: (+pi_1, -pi_1), not (0, -pi_1)
    change = policy_change(np.array([[0.0, -50.0]]), np.array([[1e10, -1e10]]))
    assert abs(change[0, 0] - tail) <= 1e-14 * tail and abs(change[0, 1] + tail) <= 1e-14 * tail


def test_line_search_resolves_an_improvement_below_float64_resolution() -> None:
    # one state, two actions, pi_t(a_1) = e^-47.96 ~ 1.5e-21: the natural step makes the policy
    # deterministic on a_0 and the exact improvement is pi_t(a_1) (Q_0 - Q_1) ~ 1.6e-21 > 0, so the
    # full step is accepted (j = 0). E_{pi_new} A_t in float64 is 0.0 exactly (A_t(a_0) rounds to 0).
    P = np.array([[[1.0], [1.0]]])
    R = np.array([[[0.45516303635459576], [-0.637567787156027]]])
    theta = np.array([[42.64828445613545, -5.313904731428101]])
    gamma, mu = 0.9, np.array([1.0])
    with mpmath.workdps(50):
        p1 = 1 / (1 + mpmath.exp(mpmath.mpf(theta[0, 0]) - mpmath.mpf(theta[0, 1])))
        exact_gain = p1 * (mpmath.mpf(R[0, 0, 0]) - mpmath.mpf(R[0, 1, 0]))  # Q_0 - Q_1 = r_0 - r_1 here
    delta, beta = 0.9995735363069879, 0.999124834454171
    step = natural_step(P, R, gamma, mu, theta, delta)
    gain = policy_gain(P, R, gamma, mu, theta, theta + step)
    assert abs(gain - float(exact_gain)) <= 1e-12 * float(exact_gain)
    assert trpo_line_search_backtracks(P, R, gamma, mu, theta, delta, beta, 10.0) == 0.0
