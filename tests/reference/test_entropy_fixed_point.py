"""soft.v_star, soft.q_star, soft.policy_star, soft.policy_iteration and soft policy evaluation
(reference.entropy on reference.soft_fixed_point) against independent routes: the previous
implementation (soft policy iteration in mpmath, each policy evaluated by reference.mdp.evaluate
on the full regularized reward tensor r(s,a,s') - lambda log pi(a|s); copied here) at twice the
digits, and value iteration at three times the digits. Hard corners come from the entropy
strategies (gamma up to 0.999, deterministic and sparse P, lambda from 1e-6 to 1e2, rewards 1e3,
|A| = 1), plus near-ties at lambda = 1e-6 and a 40-state instance with the oracle's certified
per-entry bounds."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from mpmath import mp

from rlspec.oracle.evaluate import evaluate
from rlspec.oracle.families import tabular
from rlspec.oracle.instance import from_mapping
from rlspec.reference import entropy as E
from rlspec.reference import mdp
from rlspec.reference import soft_fixed_point as S
from rlspec.reference.numbers import to_mpf
from tests.strategies_entropy import SoftCase, soft_cases

DPS = 40


# ---- the previous implementation (before issue 15), the second route ---------------------------


def old_evaluate(P: Any, R: Any, gamma: Any, soft: Any) -> Any:
    return mdp.evaluate(P, E.regularized_reward(R, soft), gamma, soft[0])


def old_v_star(P: Any, R: Any, gamma: Any, lam: Any) -> Any:
    """Soft policy iteration from the uniform policy, every policy evaluated exactly."""
    with mp.workdps(mp.dps + 10):
        target = mp.mpf(10) ** (6 - mp.dps)
        near = mp.mpf(10) ** (-mp.dps // 2)
        soft = E.softmax_policy([[0] * len(row) for row in P], lam)
        best, best_residual, previous, stalled = None, None, None, 0
        for _ in range(200):
            values = old_evaluate(P, R, gamma, soft)
            q_ = mdp.q_from_v(P, R, gamma, values)
            residual = E.sup_distance([E.soft_max_value(row, lam) for row in q_], values)
            size = 1 + max(abs(x) for x in values)
            if best_residual is None or residual < best_residual:
                best, best_residual = values, residual
            progress: Any = None
            if previous is not None:
                progress = max(v - p for v, p in zip(values, previous, strict=True))
            stalled = stalled + 1 if progress is not None and progress <= near * size else 0
            if residual <= target * size or stalled >= 3:
                break
            previous = values
            soft = E.gibbs_policy(q_, lam)
    assert best is not None
    return [+x for x in best]


def old_policy_iteration(P: Any, R: Any, gamma: Any, theta: Any, lam: Any, k: int) -> Any:
    soft = E.softmax_policy(theta, lam)
    for _ in range(k):
        soft = E.gibbs_policy(mdp.q_from_v(P, R, gamma, old_evaluate(P, R, gamma, soft)), lam)
    return soft[0]


def size_of(values: Any) -> Any:
    return 1 + max(abs(x) for x in values)


def check_optimal(case: SoftCase, dps: int = DPS) -> None:
    """v_star, q_star, policy_star at `dps` digits against the previous implementation at 2 dps:
    V and Q within 10^(3 - dps) (1 + ||V||), pi within that / lambda (the softmax's Lipschitz
    constant is 1/(2 lambda)); and the fast path itself (no fallback) reaches the precision."""
    args = (case.P, case.R, case.gamma, case.lam)
    with mp.workdps(2 * dps):
        v_old = old_v_star(*args)
        q_old = mdp.q_from_v(case.P, case.R, case.gamma, v_old)
        pi_old = E.greedy_policy(q_old, case.lam)
    with mp.workdps(dps):
        assert S.optimal_values(*args) is not None
        v, q, pi = E.v_star(*args), E.q_star(*args), E.policy_star(*args)
    with mp.workdps(2 * dps):
        tol = mp.mpf(10) ** (3 - dps) * size_of(v_old)
        assert E.sup_distance(v, v_old) <= tol
        assert E.sup_distance(q, q_old) <= tol
        assert E.sup_distance(pi, pi_old) <= tol / to_mpf(case.lam) + mp.mpf(10) ** (3 - dps)
        # the contraction residual at twice the digits: ||V - V*|| <= ||T V - V|| / (1 - gamma), where
        # rounding V to `dps` digits (d) alone can leave a residual up to (1 + gamma) d
        image = E.t_opt(case.P, case.R, case.gamma, case.lam, v)
        error = E.sup_distance(image, v) / (1 - to_mpf(case.gamma))
        assert error <= mp.mpf(10) ** (1 - dps) * size_of(v) * 2 / (1 - to_mpf(case.gamma))


@settings(max_examples=40, deadline=None)
@given(soft_cases())
def test_optimal_against_previous_implementation(case: SoftCase) -> None:
    check_optimal(case)


@settings(max_examples=15, deadline=None)
@given(soft_cases(max_states=3, gammas=(0.999,), reward_scales=(1000.0,)))
def test_optimal_against_previous_implementation_gamma_0999(case: SoftCase) -> None:
    check_optimal(case)


@pytest.mark.parametrize("lam", [1e-6, 1e-3, 1e2])
@pytest.mark.parametrize("kind", ["deterministic", "sparse", "absorbing"])
def test_optimal_hard_corners(kind: str, lam: float) -> None:
    raw = tabular.generate(11, states=5, actions=3, gamma=0.999, kind=kind, logit_scale=8.0)
    raw["R"] = [[[1000 * x for x in row] for row in block] for block in raw["R"]]
    raw["params"] = {"lambda": lam}
    check_optimal(SoftCase(from_mapping(raw), Fraction(lam)))


def test_near_ties_at_tiny_lambda() -> None:
    """Two actions whose rewards differ by 0 or 1e-7 (~ lambda = 1e-6) in every state: the soft-greedy
    policy is far from deterministic and moves with V at the scale 1/lambda."""
    raw = tabular.generate(3, states=4, actions=2, gamma=0.99, kind="deterministic")
    for s, block in enumerate(raw["P"]):
        block[1] = list(block[0])
        raw["R"][s][1] = [x + (1e-7 if s % 2 else 0.0) for x in raw["R"][s][0]]
    raw["params"] = {"lambda": 1e-6}
    check_optimal(SoftCase(from_mapping(raw), Fraction(1e-6)))


def test_single_state_closed_form_at_gamma_0999() -> None:
    """One state, rewards 1 and 0: V* = lambda log(1 + e^(1/lambda)) / (1 - gamma)."""
    P, R = [[[1], [1]]], [[[1], [0]]]
    for lam in (Fraction(1, 10**6), Fraction(1, 3), Fraction(100)):
        with mp.workdps(DPS):
            exact = to_mpf(lam) * mp.log1p(mp.exp(1 / to_mpf(lam))) * 1000
            v = E.v_star(P, R, Fraction(999, 1000), lam)
            assert abs(v[0] - exact) <= mp.mpf(10) ** (1 - DPS) * (1 + exact)


def test_fallback_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the fixed-point Newton steps give up, soft policy iteration with exact evaluation at
    every step gives the same V*."""
    raw = tabular.generate(5, states=4, actions=3, gamma=0.99, kind="dense")
    raw["params"] = {"lambda": 0.01}
    case = SoftCase(from_mapping(raw), Fraction(1, 100))
    args = (case.P, case.R, case.gamma, case.lam)
    with mp.workdps(DPS):
        fast = E.v_star(*args)
        monkeypatch.setattr(S, "optimal_values", lambda *a: None)
        slow = E.v_star(*args)
        assert E.sup_distance(fast, slow) <= mp.mpf(10) ** (3 - DPS) * size_of(fast)


# ---- soft policy evaluation and soft policy iteration -------------------------------------------


@settings(max_examples=30, deadline=None)
@given(soft_cases())
def test_policy_values_against_reward_tensor(case: SoftCase) -> None:
    """soft.v_pi (r_lambda formed per (s,a) on the (P, R) model) against reference.mdp.evaluate of the
    full regularized reward tensor at twice the digits."""
    with mp.workdps(2 * DPS):
        exact = old_evaluate(case.P, case.R, case.gamma, E.softmax_policy(case.theta, case.lam))
    with mp.workdps(DPS):
        v = E.v_pi(case.P, case.R, case.gamma, case.theta, case.lam)
    with mp.workdps(2 * DPS):
        assert E.sup_distance(v, exact) <= mp.mpf(10) ** (3 - DPS) * size_of(exact)


def test_policy_values_fallback_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where float64 cannot factorize I - gamma P_pi, soft evaluation solves the full regularized
    reward tensor with reference.mdp.evaluate: the same values."""
    raw = tabular.generate(6, states=5, actions=3, gamma=0.999, kind="sparse", logit_scale=8.0)
    raw["params"] = {"lambda": 0.1}
    case = SoftCase(from_mapping(raw), Fraction(1, 10))
    args = (case.P, case.R, case.gamma, case.theta, case.lam)
    with mp.workdps(DPS):
        fast = E.v_pi(*args)
        monkeypatch.setattr(S, "policy_values", lambda *a: None)
        slow = E.v_pi(*args)
        assert E.sup_distance(fast, slow) <= mp.mpf(10) ** (3 - DPS) * size_of(fast)


@settings(max_examples=20, deadline=None)
@given(soft_cases())
def test_policy_iteration_against_previous_implementation(case: SoftCase) -> None:
    with mp.workdps(2 * DPS):
        expected = [
            old_policy_iteration(case.P, case.R, case.gamma, case.theta, case.lam, k) for k in range(4)
        ]
        scale = size_of(old_v_star(case.P, case.R, case.gamma, case.lam))
    with mp.workdps(DPS):
        got = [E.policy_iteration(case.P, case.R, case.gamma, case.theta, case.lam, k) for k in range(4)]
    with mp.workdps(2 * DPS):
        tol = mp.mpf(10) ** (3 - DPS) * scale / to_mpf(case.lam) + mp.mpf(10) ** (3 - DPS)
        for a, b in zip(got, expected, strict=True):
            assert E.sup_distance(a, b) <= tol


# ---- a larger instance through the oracle --------------------------------------------------------


@pytest.mark.parametrize("lam", [3e-3, 1e-6])
def test_oracle_40_states_against_previous_implementation(lam: float) -> None:
    """40 states, |A| = 4, gamma = 0.99: `soft.v_star` and `soft.policy_star` at 30 digits are certified,
    and every entry is within its certified bound of the previous implementation at 90 digits (up to
    that route's own error: the policy bounds are tight to the printed value's rounding)."""
    raw = tabular.generate(2, states=40, actions=4, gamma=0.99, kind="dense", logit_scale=8.0)
    raw["params"] = {"lambda": lam}
    instance = from_mapping(raw)
    case = SoftCase(instance, Fraction(lam))
    with mp.workdps(90):
        v_old = old_v_star(case.P, case.R, case.gamma, case.lam)
        pi_old = E.greedy_policy(mdp.q_from_v(case.P, case.R, case.gamma, v_old), case.lam)
        known = mp.mpf(10) ** -80 * size_of(v_old) / to_mpf(case.lam)
    v_out = evaluate("soft.v_star", instance, 30)
    pi_out = evaluate("soft.policy_star", instance, 30)
    assert v_out.bound == pi_out.bound == "certified"
    with mp.workdps(90):
        assert E.sup_distance(v_out.value, v_old) <= v_out.error_bound + known
        for got, bound, old in zip(pi_out.value, pi_out.error_bounds, pi_old, strict=True):
            assert all(abs(x - y) <= b + known * y for x, b, y in zip(got, bound, old, strict=True))
