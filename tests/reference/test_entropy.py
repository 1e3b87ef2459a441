"""Property tests of the entropy-regularization section (lecture display equations 42-63) at 40
digits: soft values and the soft Bellman equations, the four operators (gamma-contractions), the
log-sum-exp optimal value and the softmax greedy policy (Gibbs variational identity), Theorem 2
and its remarks, the lambda -> 0 limit, soft policy iteration (Theorem 3), and the oracle's
certified bounds against value iteration at three times the digits."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from mpmath import mp

from rlspec.oracle.evaluate import evaluate
from rlspec.oracle.instance import from_mapping
from rlspec.reference import entropy as E
from rlspec.reference import mdp
from rlspec.reference.numbers import identity, solve, to_mpf
from tests.strategies_entropy import SoftCase, soft_cases, tables, vectors

DPS = 40


def close(x: Any, y: Any, tol: Any) -> bool:
    return bool(E.sup_distance(x, y) <= tol)


def kappa(case: SoftCase) -> Any:
    return 1 / (1 - to_mpf(case.gamma))


def value_scale(case: SoftCase) -> Any:
    """M kappa: the size of any soft value; M = max|r| + lambda log|A|."""
    return (to_mpf(case.reward_size) + to_mpf(case.lam) * mp.log(case.actions)) * kappa(case)


def value_tol(case: SoftCase) -> Any:
    """A comparison tolerance for values: 1e-28 relative to M kappa^2 (40-digit arithmetic)."""
    return mp.mpf(10) ** (12 - DPS) * (1 + value_scale(case) * kappa(case))


def policy_tol(case: SoftCase) -> Any:
    return value_tol(case) / to_mpf(case.lam) + mp.mpf(10) ** (12 - DPS)


def logits_of(pi: Any) -> Any:
    """theta = log pi (an exact description of a policy with positive entries)."""
    return [[mp.log(p) for p in row] for row in pi]


def dirichlet_policy(weights: list[list[Fraction]]) -> Any:
    """A policy from positive weights (normalized per state), as logits."""
    return [[mp.log(to_mpf(w)) - mp.log(to_mpf(sum(row))) for w in row] for row in weights]


positive_tables = st.integers(1, 4).flatmap(
    lambda a: st.lists(
        st.lists(st.fractions(Fraction(1, 1000), 10), min_size=a, max_size=a), min_size=1, max_size=4
    )
)


# ---- eq 43, 45: entropy and the regularized reward ---------------------------------------------


def test_entropy_by_hand() -> None:
    with mp.workdps(DPS):
        # pi = (1/4, 3/4): H = log 4 - (3/4) log 3; uniform over 3: H = log 3; one action: H = 0
        h = E.h([[0, mp.log(3)], [5, 5], [7, 7]])
        assert abs(h[0] - (mp.log(4) - mp.mpf(3) / 4 * mp.log(3))) < mp.mpf(10) ** (2 - DPS)
        assert abs(h[1] - mp.log(2)) < mp.mpf(10) ** (2 - DPS)
        assert E.h([[3]]) == [0]
        assert abs(E.h([[1, 1, 1]])[0] - mp.log(3)) < mp.mpf(10) ** (2 - DPS)


@given(soft_cases())
def test_entropy_bounds(case: SoftCase) -> None:
    """0 <= H(pi(.|s)) <= log|A|, with the upper bound attained by the uniform policy."""
    with mp.workdps(DPS):
        slack = mp.mpf(10) ** (5 - DPS)
        for x in E.h(case.theta):
            assert -slack <= x <= mp.log(case.actions) + slack


@given(soft_cases())
def test_reward_by_hand(case: SoftCase) -> None:
    """r_lambda - r = -lambda log pi(a|s): exp((r - r_lambda)/lambda) is pi, so it sums to 1 over a."""
    with mp.workdps(DPS):
        lam = to_mpf(case.lam)
        r_lam = E.reward(case.R, case.theta, case.lam)
        pi = mdp.policy(case.theta)
        for s in range(case.states):
            for a in range(case.actions):
                for t in range(case.states):
                    bonus = r_lam[s][a][t] - to_mpf(case.R[s][a][t])
                    assert abs(bonus + lam * mp.log(pi[s][a])) <= mp.mpf(10) ** (8 - DPS) * (1 + abs(bonus))


# ---- hand-worked single-state example ----------------------------------------------------------


def one_state() -> tuple[Any, Any]:
    """One state, two actions (rewards 1 and 0), the state loops to itself."""
    return [[[1], [1]]], [[[1], [0]]]


def test_single_state_closed_forms() -> None:
    """With uniform pi: V = (1/2 + lambda log 2)/(1 - gamma), Q = (1 + gamma V, gamma V).
    Optimal: V* = lambda log(1 + e^(1/lambda)) / (1 - gamma), pi*(a_0) = 1/(1 + e^(-1/lambda))."""
    for gamma, lam in itertools.product(
        (Fraction(0), Fraction(9, 10), Fraction(999, 1000)),
        (Fraction(1, 10**6), Fraction(1, 3), Fraction(100)),
    ):
        P, R = one_state()
        with mp.workdps(DPS):
            g, l_ = to_mpf(gamma), to_mpf(lam)
            tol = mp.mpf(10) ** (10 - DPS) * (1 + 1 / (1 - g)) * (1 + l_)
            v = (mp.mpf(1) / 2 + l_ * mp.log(2)) / (1 - g)
            assert close(E.v_pi(P, R, gamma, [[0, 0]], lam), [v], tol)
            assert close(E.q_pi(P, R, gamma, [[0, 0]], lam), [[1 + g * v, g * v]], tol)
            v_star = l_ * mp.log1p(mp.exp(1 / l_)) / (1 - g)
            assert close(E.v_star(P, R, gamma, lam), [v_star], tol)
            p0 = 1 / (1 + mp.exp(-1 / l_))
            assert close(E.policy_star(P, R, gamma, lam), [[p0, 1 - p0]], tol / l_)


# ---- eq 42/44/46: the objective and the definition of V_lambda^pi -------------------------------


@given(soft_cases())
def test_objective_two_forms(case: SoftCase) -> None:
    """E_{s~mu} V_lambda^pi(s) = 1/(1-gamma) E_{s~d_mu^pi}[r_pi(s) + lambda H(s)] (eq 42 = eq 44)."""
    with mp.workdps(DPS):
        a = E.objective(case.P, case.R, case.gamma, case.mu, case.theta, case.lam)
        b = E.objective_visitation(case.P, case.R, case.gamma, case.mu, case.theta, case.lam)
        assert abs(a - b) <= value_tol(case)


@settings(max_examples=10)
@given(soft_cases(gammas=(0.0, 0.5, 0.9)))
def test_soft_v_definition_by_series(case: SoftCase) -> None:
    """V_lambda^pi(s) = sum_t gamma^t E[r_lambda(s_t, a_t, s_t+1)]: the series P_pi^t applied to the
    expected regularized reward, truncated where the tail gamma^T max|r_lambda| / (1 - gamma) is
    below 1e-20, agrees with the linear solve; and V_lambda^pi = V^pi + lambda (I - gamma P_pi)^-1 H."""
    with mp.workdps(DPS):
        g = to_mpf(case.gamma)
        pi = mdp.policy(case.theta)
        r_lam = E.reward(case.R, case.theta, case.lam)
        step = mdp.policy_reward(case.P, r_lam, pi)
        p_pi = mdp.transition_matrix(case.P, pi)
        size = max(abs(x) for x in step)
        total, term, discount, t = list(step), list(step), mp.one, 0
        while discount * size / (1 - g) > mp.mpf(10) ** -20 * (1 + size):
            term = [mp.fsum(p_pi[s][u] * term[u] for u in range(case.states)) for s in range(case.states)]
            discount *= g
            t += 1
            total = [x + discount * y for x, y in zip(total, term, strict=True)]
            if g == 0:
                break
        v = E.v_pi(case.P, case.R, case.gamma, case.theta, case.lam)
        assert close(v, total, mp.mpf(10) ** -19 * (1 + size / (1 - g)))
        eye = identity(case.states)
        system = [[eye[s][u] - g * p_pi[s][u] for u in range(case.states)] for s in range(case.states)]
        bonus = solve(system, [to_mpf(case.lam) * x for x in E.h(case.theta)])
        plain = mdp.evaluate(case.P, case.R, case.gamma, pi)
        assert close(v, [x + y for x, y in zip(plain, bonus, strict=True)], value_tol(case))


# ---- eq 47/48/49: soft Q, its relation with V, the soft Bellman equations -----------------------


@settings(max_examples=10)
@given(soft_cases(gammas=(0.0, 0.5, 0.9)))
def test_soft_q_definition_by_finite_horizon(case: SoftCase) -> None:
    """Q_lambda^pi(s,a) = E[r(s_0,a_0,s_1) + sum_{t>=1} gamma^t r_lambda(...)] (eq 47, read with the
    plain reward at t = 0): an H-step backward recursion W_{n+1} = E_pi[r_lambda + gamma W_n],
    Q_H = E[r + gamma W_{H-1}], has |Q - Q_H| <= gamma^H max|r_lambda| / (1 - gamma)."""
    with mp.workdps(DPS):
        g = to_mpf(case.gamma)
        pi = mdp.policy(case.theta)
        r_lam = E.reward(case.R, case.theta, case.lam)
        size = max(abs(x) for x in mdp.policy_reward(case.P, r_lam, pi)) + max(
            abs(x) for row in mdp.expected_reward(case.P, case.R) for x in row
        )
        w = [mp.zero] * case.states
        horizon = 0
        while g**horizon * size / (1 - g) > mp.mpf(10) ** -20 * (1 + size) and horizon < 2000:
            w = [
                mp.fsum(pi[s][a] * q for a, q in enumerate(row))
                for s, row in enumerate(mdp.q_from_v(case.P, r_lam, g, w))
            ]
            horizon += 1
        q_h = mdp.q_from_v(case.P, case.R, case.gamma, w)
        q = E.q_pi(case.P, case.R, case.gamma, case.theta, case.lam)
        assert close(q, q_h, mp.mpf(10) ** -19 * (1 + size / (1 - g)))


def test_soft_q_printed_readings_differ() -> None:
    """Erratum eq 47: the printed r/r (= 1) and an entropy term at t = 0 both contradict eq 48."""
    gamma, lam = Fraction(9, 10), Fraction(1, 2)
    P, R = one_state()
    with mp.workdps(DPS):
        g, l_ = to_mpf(gamma), to_mpf(lam)
        v = E.v_pi(P, R, gamma, [[0, 0]], lam)[0]
        q = E.q_pi(P, R, gamma, [[0, 0]], lam)[0]
        # eq 48, second line: V = E_pi[-lambda log pi + Q] holds for the meant Q
        assert abs(v - (l_ * mp.log(2) + (q[0] + q[1]) / 2)) < mp.mpf(10) ** (5 - DPS)
        printed = [1 + g * v, 1 + g * v]  # r/r = 1
        with_t0_entropy = [1 + l_ * mp.log(2) + g * v, l_ * mp.log(2) + g * v]
        for wrong in (printed, with_t0_entropy):
            assert abs(v - (l_ * mp.log(2) + (wrong[0] + wrong[1]) / 2)) > mp.mpf(1) / 10


@given(soft_cases())
def test_q_v_relations(case: SoftCase) -> None:
    """Q_lambda^pi(s,a) = E[r + gamma V_lambda^pi(s')] and
    V_lambda^pi(s) = E_pi[-lambda log pi + Q_lambda^pi] (eq 48)."""
    with mp.workdps(DPS):
        lam = to_mpf(case.lam)
        v = E.v_pi(case.P, case.R, case.gamma, case.theta, case.lam)
        q = E.q_pi(case.P, case.R, case.gamma, case.theta, case.lam)
        assert close(q, mdp.q_from_v(case.P, case.R, case.gamma, v), value_tol(case))
        pi, log_pi = mdp.policy(case.theta), E.log_policy(case.theta)
        again = [
            mp.fsum(pi[s][a] * (q[s][a] - lam * log_pi[s][a]) for a in range(case.actions))
            for s in range(case.states)
        ]
        assert close(v, again, value_tol(case))


@given(soft_cases())
def test_soft_bellman_equations(case: SoftCase) -> None:
    """V_lambda^pi = T_lambda^pi V_lambda^pi and Q_lambda^pi = F_lambda^pi Q_lambda^pi (eq 49-51)."""
    with mp.workdps(DPS):
        v = E.v_pi(case.P, case.R, case.gamma, case.theta, case.lam)
        q = E.q_pi(case.P, case.R, case.gamma, case.theta, case.lam)
        assert close(E.t_pi(case.P, case.R, case.gamma, case.theta, case.lam, v), v, value_tol(case))
        assert close(E.f_pi(case.P, case.R, case.gamma, case.theta, case.lam, q), q, value_tol(case))


# ---- the four operators are gamma-contractions ----------------------------------------------------


@given(soft_cases(), st.data())
def test_operators_contract(case: SoftCase, data: st.DataObject) -> None:
    """||T x - T y||_inf <= gamma ||x - y||_inf for T_lambda^pi, F_lambda^pi, T_lambda, F_lambda."""
    n, m = case.states, case.actions
    v1, v2 = data.draw(vectors(n, 1000.0)), data.draw(vectors(n, 1000.0))
    q1, q2 = data.draw(tables(n, m, 1000.0)), data.draw(tables(n, m, 1000.0))
    args = (case.P, case.R, case.gamma)
    with mp.workdps(DPS):
        g = to_mpf(case.gamma)
        slack = mp.mpf(10) ** (10 - DPS) * (1 + value_scale(case) + 1000)
        pairs = (
            (E.t_pi(*args, case.theta, case.lam, v1), E.t_pi(*args, case.theta, case.lam, v2), v1, v2),
            (E.f_pi(*args, case.theta, case.lam, q1), E.f_pi(*args, case.theta, case.lam, q2), q1, q2),
            (E.t_opt(*args, case.lam, v1), E.t_opt(*args, case.lam, v2), v1, v2),
            (E.f_opt(*args, case.lam, q1), E.f_opt(*args, case.lam, q2), q1, q2),
        )
        for tx, ty, x, y in pairs:
            assert E.sup_distance(tx, ty) <= g * E.sup_distance(x, y) + slack


# ---- eq 52-57: log-sum-exp is the max over policies, the softmax attains it ---------------------


@given(soft_cases(), st.data())
def test_t_opt_is_max_over_policies(case: SoftCase, data: st.DataObject) -> None:
    """[T_lambda V](s) = max_pi [T_lambda^pi V](s): random policies never exceed the log-sum-exp, and
    the softmax greedy policy of Q_V attains it (the Gibbs variational identity, eq 52-53)."""
    n, m = case.states, case.actions
    V = data.draw(vectors(n, 100.0))
    weights = data.draw(
        st.lists(
            st.lists(st.fractions(Fraction(1, 10**6), 1), min_size=m, max_size=m), min_size=n, max_size=n
        )
    )
    with mp.workdps(DPS):
        top = E.t_opt(case.P, case.R, case.gamma, case.lam, V)
        tol = mp.mpf(10) ** (10 - DPS) * (1 + value_scale(case) + 100)
        for theta in (dirichlet_policy(weights), case.theta):
            other = E.t_pi(case.P, case.R, case.gamma, theta, case.lam, V)
            assert all(o <= t + tol for o, t in zip(other, top, strict=True))
        q_v = mdp.q_from_v(case.P, case.R, case.gamma, V)
        greedy = E.greedy_policy(q_v, case.lam)
        attained = E.apply_t_pi(case.P, case.R, case.gamma, E.gibbs_policy(q_v, case.lam), V)
        assert close(attained, top, tol)
        # the same with the greedy policy described by its probabilities (log pi computed afresh)
        assert close(E.t_pi(case.P, case.R, case.gamma, logits_of(greedy), case.lam, V), top, tol)


def test_t_opt_max_by_golden_section() -> None:
    """Second route for eq 52 with two actions: maximize p (q0 - lam log p) + (1-p)(q1 - lam log(1-p))
    over p in (0, 1) by golden-section search (the function is concave) and compare with
    lam log(e^{q0/lam} + e^{q1/lam}) and the maximizer with the softmax."""
    with mp.workdps(DPS):
        for q0, q1, lam in (
            (mp.mpf(1), mp.mpf(0), mp.mpf(1)),
            (mp.mpf(3), mp.mpf(2.5), mp.mpf("0.1")),
            (mp.mpf(-2), mp.mpf(5), mp.mpf(10)),
        ):

            def f(p: Any, q0: Any = q0, q1: Any = q1, lam: Any = lam) -> Any:
                return p * (q0 - lam * mp.log(p)) + (1 - p) * (q1 - lam * mp.log(1 - p))

            lo, hi = mp.mpf(10) ** -30, 1 - mp.mpf(10) ** -30
            ratio = (mp.sqrt(5) - 1) / 2
            for _ in range(300):
                a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
                if f(a) < f(b):
                    lo = a
                else:
                    hi = b
            best = f((lo + hi) / 2)
            assert abs(best - E.soft_max_value([q0, q1], lam)) < mp.mpf(10) ** -25
            assert abs((lo + hi) / 2 - E.greedy_policy([[q0, q1]], lam)[0][0]) < mp.mpf(10) ** -12


@given(soft_cases(), st.data())
def test_f_opt_is_max_over_policies(case: SoftCase, data: st.DataObject) -> None:
    """[F_lambda Q] >= [F_lambda^pi Q] for every pi, with equality at
    pi(.|s') = softmax(Q(s',.)/lambda) (eq 57)."""
    Q = data.draw(tables(case.states, case.actions, 100.0))
    with mp.workdps(DPS):
        top = E.f_opt(case.P, case.R, case.gamma, case.lam, Q)
        tol = mp.mpf(10) ** (10 - DPS) * (1 + value_scale(case) + 100)
        other = E.f_pi(case.P, case.R, case.gamma, case.theta, case.lam, Q)
        assert all(
            o <= t + tol for ro, rt in zip(other, top, strict=True) for o, t in zip(ro, rt, strict=True)
        )
        attained = E.apply_f_pi(case.P, case.R, case.gamma, E.gibbs_policy(Q, case.lam), Q)
        assert close(attained, top, tol)


@given(soft_cases(), st.data())
def test_greedy_policy_second_form(case: SoftCase, data: st.DataObject) -> None:
    """pi_lambda(a|s) = exp(Q_V(s,a)/lambda) / exp([T_lambda V](s)/lambda) (eq 54), and it sums to 1."""
    V = data.draw(vectors(case.states, 100.0))
    with mp.workdps(DPS):
        lam = to_mpf(case.lam)
        q_v = mdp.q_from_v(case.P, case.R, case.gamma, V)
        tv = E.t_opt(case.P, case.R, case.gamma, case.lam, V)
        greedy = E.greedy_policy(q_v, case.lam)
        second = [[mp.exp((q - tv[s]) / lam) for q in row] for s, row in enumerate(q_v)]
        assert close(greedy, second, mp.mpf(10) ** (12 - DPS) * (1 + (value_scale(case) + 100) / lam))
        for row in greedy:
            assert abs(mp.fsum(row) - 1) < mp.mpf(10) ** (5 - DPS)


@given(soft_cases(), st.data())
def test_greedy_identity_every_action_pair(case: SoftCase, data: st.DataObject) -> None:
    """Q_V(s,a) - lambda log pi_lambda(a|s) is the same for every a (eq 55, for all pairs a, a',
    equal or not) and equals [T_lambda V](s) (eq 56)."""
    V = data.draw(vectors(case.states, 100.0))
    with mp.workdps(DPS):
        q_v = mdp.q_from_v(case.P, case.R, case.gamma, V)
        tv = E.t_opt(case.P, case.R, case.gamma, case.lam, V)
        greedy = E.greedy_policy(q_v, case.lam)
        lam = to_mpf(case.lam)
        tol = mp.mpf(10) ** (10 - DPS) * (1 + value_scale(case) + 100)
        for s in range(case.states):
            for a in range(case.actions):
                if greedy[s][a] > 0:  # mpmath does not underflow, but be explicit
                    assert abs(q_v[s][a] - lam * mp.log(greedy[s][a]) - tv[s]) <= tol


# ---- eq 58-61: Theorem 2 and the remarks --------------------------------------------------------


@given(soft_cases())
def test_fixed_points(case: SoftCase) -> None:
    """V* = T_lambda V*, Q* = F_lambda Q*, Q*(s,a) = E[r + gamma V*(s')] (Theorem 2)."""
    with mp.workdps(DPS):
        v = E.v_star(case.P, case.R, case.gamma, case.lam)
        q = E.q_star(case.P, case.R, case.gamma, case.lam)
        tol = value_tol(case)
        assert close(E.t_opt(case.P, case.R, case.gamma, case.lam, v), v, tol)
        assert close(E.f_opt(case.P, case.R, case.gamma, case.lam, q), q, tol)
        assert close(q, mdp.q_from_v(case.P, case.R, case.gamma, v), tol)


@given(soft_cases(), st.data())
def test_theorem2_optimality(case: SoftCase, data: st.DataObject) -> None:
    """V* >= V_lambda^pi and Q* >= Q_lambda^pi for random pi; equality at pi* = softmax(Q*/lambda)."""
    weights = data.draw(
        st.lists(
            st.lists(st.fractions(Fraction(1, 10**6), 1), min_size=case.actions, max_size=case.actions),
            min_size=case.states,
            max_size=case.states,
        )
    )
    with mp.workdps(DPS):
        v = E.v_star(case.P, case.R, case.gamma, case.lam)
        q = E.q_star(case.P, case.R, case.gamma, case.lam)
        tol = value_tol(case)
        for theta in (case.theta, dirichlet_policy(weights)):
            vp = E.v_pi(case.P, case.R, case.gamma, theta, case.lam)
            qp = E.q_pi(case.P, case.R, case.gamma, theta, case.lam)
            assert all(x <= y + tol for x, y in zip(vp, v, strict=True))
            assert all(
                x <= y + tol for rx, ry in zip(qp, q, strict=True) for x, y in zip(rx, ry, strict=True)
            )
        star = E.policy_star(case.P, case.R, case.gamma, case.lam)
        assert close(star, E.greedy_policy(q, case.lam), policy_tol(case))
        # V_lambda^{pi*} = V*: evaluate pi* through its logits Q*/lambda
        lam = to_mpf(case.lam)
        theta_star = [[x / lam for x in row] for row in q]
        assert close(E.v_pi(case.P, case.R, case.gamma, theta_star, case.lam), v, tol)


@given(soft_cases())
def test_v_star_identity_every_action(case: SoftCase) -> None:
    """V*(s) = lambda log ||exp(Q*(s,.)/lambda)||_1 = Q*(s,a) - lambda log pi*(a|s) for every a (eq 60)."""
    with mp.workdps(DPS):
        lam = to_mpf(case.lam)
        v = E.v_star(case.P, case.R, case.gamma, case.lam)
        q = E.q_star(case.P, case.R, case.gamma, case.lam)
        star = E.policy_star(case.P, case.R, case.gamma, case.lam)
        tol = value_tol(case)
        for s in range(case.states):
            assert abs(E.soft_max_value(q[s], lam) - v[s]) <= tol
            for a in range(case.actions):
                assert abs(q[s][a] - lam * mp.log(star[s][a]) - v[s]) <= tol * (1 + abs(mp.log(star[s][a])))


@given(soft_cases())
def test_log_sum_exp_bounds(case: SoftCase) -> None:
    """max_a Q*(s,a) <= V*(s) <= max_a Q*(s,a) + lambda log|A| (eq 61), with equality at |A| = 1."""
    with mp.workdps(DPS):
        v = E.v_star(case.P, case.R, case.gamma, case.lam)
        q = E.q_star(case.P, case.R, case.gamma, case.lam)
        tol = value_tol(case)
        for s in range(case.states):
            assert max(q[s]) - tol <= v[s] <= max(q[s]) + to_mpf(case.lam) * mp.log(case.actions) + tol


def hard_v_star_by_enumeration(case: SoftCase) -> Any:
    """V*(s) = max over deterministic policies of V^pi(s) (one of them is optimal in every state)."""
    best = None
    for actions in itertools.product(range(case.actions), repeat=case.states):
        pi = [[1 if a == actions[s] else 0 for a in range(case.actions)] for s in range(case.states)]
        v = mdp.evaluate(case.P, case.R, case.gamma, pi)
        best = v if best is None else [max(x, y) for x, y in zip(best, v, strict=True)]
    return best


@settings(max_examples=10)
@given(soft_cases(max_states=3))
def test_v_star_lambda_to_hard_limit(case: SoftCase) -> None:
    """0 <= V*_lambda - V* <= lambda log|A| / (1 - gamma), V* the hard optimal value (by enumeration
    of deterministic policies, and reference.mdp.v_star): V*_lambda -> V* as lambda -> 0."""
    with mp.workdps(DPS):
        soft = E.v_star(case.P, case.R, case.gamma, case.lam)
        hard = hard_v_star_by_enumeration(case)
        tol = value_tol(case)
        assert close(mdp.v_star(case.P, case.R, case.gamma), hard, tol)
        gap = to_mpf(case.lam) * mp.log(case.actions) * kappa(case)
        for s_, h_ in zip(soft, hard, strict=True):
            assert h_ - tol <= s_ <= h_ + gap + tol


@settings(max_examples=10)
@given(soft_cases(max_states=3, lam_high=1e-2))
def test_policy_star_concentrates_on_hard_argmax(case: SoftCase) -> None:
    """As lambda -> 0, pi*(a|s) -> 0 off argmax_a Q*(s,a) (hard Q*): with the gap
    g(s,a) = max_a' Q*(s,a') - Q*(s,a),
    pi*_lambda(a|s) <= exp(-(g(s,a) - gamma lambda log|A|/(1-gamma))/lambda)."""
    with mp.workdps(DPS):
        lam = to_mpf(case.lam)
        hard_q = mdp.q_from_v(case.P, case.R, case.gamma, hard_v_star_by_enumeration(case))
        star = E.policy_star(case.P, case.R, case.gamma, case.lam)
        slack = to_mpf(case.gamma) * lam * mp.log(case.actions) * kappa(case) + value_tol(case)
        for s in range(case.states):
            for a in range(case.actions):
                gap = max(hard_q[s]) - hard_q[s][a]
                assert star[s][a] <= mp.exp(-(gap - slack) / lam) * (1 + mp.mpf(10) ** (10 - DPS))


@settings(max_examples=10)
@given(soft_cases(max_actions=1))
def test_single_action_is_unregularized(case: SoftCase) -> None:
    """|A| = 1: H = 0, r_lambda = r, V_lambda^pi = V* = V^pi, pi* = 1."""
    with mp.workdps(DPS):
        plain = mdp.evaluate(case.P, case.R, case.gamma, [[1]] * case.states)
        tol = value_tol(case)
        assert all(x == 0 for x in E.h(case.theta))
        assert close(E.v_pi(case.P, case.R, case.gamma, case.theta, case.lam), plain, tol)
        assert close(E.v_star(case.P, case.R, case.gamma, case.lam), plain, tol)
        assert close(
            E.policy_star(case.P, case.R, case.gamma, case.lam), [[1]] * case.states, mp.mpf(10) ** (5 - DPS)
        )


# ---- eq 62-63: soft policy iteration (Theorem 3) ------------------------------------------------


def test_soft_policy_evaluation_operator() -> None:
    """Erratum eq 62: Q^{pi_k} is the fixed point of F_lambda^{pi_k}, not of F_lambda^{pi} for another
    pi: on one state with uniform pi_0, F^{pi_1} Q^{pi_0} exceeds Q^{pi_0} by
    gamma (T_lambda V_0 - V_0) > 0."""
    gamma, lam = Fraction(9, 10), Fraction(1, 2)
    P, R = one_state()
    with mp.workdps(DPS):
        q0 = E.q_pi(P, R, gamma, [[0, 0]], lam)
        assert close(E.f_pi(P, R, gamma, [[0, 0]], lam, q0), q0, mp.mpf(10) ** (5 - DPS))
        theta1 = [[x / to_mpf(lam) for x in q0[0]]]
        moved = E.f_pi(P, R, gamma, theta1, lam, q0)
        v0 = E.v_pi(P, R, gamma, [[0, 0]], lam)
        expected = to_mpf(gamma) * (E.t_opt(P, R, gamma, lam, v0)[0] - v0[0])
        assert expected > mp.mpf(1) / 100
        for a in range(2):
            assert abs(moved[0][a] - q0[0][a] - expected) < mp.mpf(10) ** (5 - DPS)


@settings(max_examples=10)
@given(soft_cases())
def test_soft_policy_iteration_improves(case: SoftCase) -> None:
    """Soft PI: V_{k+1} >= T_lambda V_k >= V_k (monotone improvement) and
    ||V* - V_{k+1}|| <= gamma ||V* - V_k|| (gamma rate); soft.policy_iteration(k) is pi_k."""
    with mp.workdps(DPS):
        lam = to_mpf(case.lam)
        g = to_mpf(case.gamma)
        v_star = E.v_star(case.P, case.R, case.gamma, case.lam)
        tol = value_tol(case)
        theta = case.theta
        v = E.v_pi(case.P, case.R, case.gamma, theta, case.lam)
        for k in range(1, 4):
            q = mdp.q_from_v(case.P, case.R, case.gamma, v)
            theta = [[x / lam for x in row] for row in q]
            v_next = E.v_pi(case.P, case.R, case.gamma, theta, case.lam)
            tv = E.t_opt(case.P, case.R, case.gamma, case.lam, v)
            assert all(a + tol >= b >= c - tol for a, b, c in zip(v_next, tv, v, strict=True))
            assert E.sup_distance(v_star, v_next) <= g * E.sup_distance(v_star, v) + tol
            pi_k = E.policy_iteration(case.P, case.R, case.gamma, case.theta, case.lam, k)
            assert close(pi_k, E.greedy_policy(q, case.lam), policy_tol(case))
            v = v_next
        assert close(
            E.policy_iteration(case.P, case.R, case.gamma, case.theta, case.lam, 0), mdp.policy(case.theta), 0
        )


# ---- the oracle's certified bounds against independent recomputation ----------------------------


def value_iteration(case: SoftCase, target: Any) -> tuple[Any, Any]:
    """V_n = T_lambda V_{n-1} from 0 until the a-posteriori error
    gamma/(1-gamma) ||V_n - V_{n-1}|| <= target."""
    g = to_mpf(case.gamma)
    v = [mp.zero] * case.states
    for _ in range(20000):
        new = E.t_opt(case.P, case.R, case.gamma, case.lam, v)
        error = g / (1 - g) * E.sup_distance(new, v)
        v = new
        if error <= target:
            return v, error
    raise AssertionError("value iteration did not converge")


def parse(value: Any) -> Any:
    if isinstance(value, list):
        return [parse(v) for v in value]
    return mp.mpf(value)


@settings(max_examples=8)
@given(soft_cases(max_states=3, gammas=(0.0, 0.5, 0.9)))
def test_oracle_bounds_hold_against_value_iteration(case: SoftCase) -> None:
    """`rlspec oracle soft.v_star / soft.q_star / soft.policy_star` at 30 digits: the printed value is
    within the printed certified bound of value iteration run at 90 digits to an a-posteriori error
    far below that bound (and of softmax(Q_VI / lambda) for pi*, error / (2 lambda))."""
    dps = 30
    results = {
        fid: evaluate(fid, case.instance, dps).to_json()
        for fid in ("soft.v_star", "soft.q_star", "soft.policy_star")
    }
    with mp.workdps(3 * dps):
        assert all(r["bound"] == "certified" for r in results.values())
        bounds = {fid: mp.mpf(r["error_bound"]) for fid, r in results.items()}
        assert bounds["soft.v_star"] < mp.mpf(10) ** (5 - dps) * (1 + value_scale(case))
        target = max(min(bounds.values()) / 1000, mp.mpf(10) ** (10 - 3 * dps) * (1 + value_scale(case)))
        v, err = value_iteration(case, target)
        q = mdp.q_from_v(case.P, case.R, case.gamma, v)
        pi = E.greedy_policy(q, case.lam)
        err_q = to_mpf(case.gamma) * err
        assert E.sup_distance(parse(results["soft.v_star"]["value"]), v) <= bounds["soft.v_star"] + err
        assert E.sup_distance(parse(results["soft.q_star"]["value"]), q) <= bounds["soft.q_star"] + err_q
        pi_err = err_q / (2 * to_mpf(case.lam))
        assert (
            E.sup_distance(parse(results["soft.policy_star"]["value"]), pi)
            <= bounds["soft.policy_star"] + pi_err
        )


@settings(max_examples=8)
@given(soft_cases(max_states=3))
def test_oracle_policy_value_bounds_hold(case: SoftCase) -> None:
    """soft.v_pi, soft.q_pi, soft.objective at 30 digits: within the certified bound of the same
    quantities solved directly at 90 digits (gamma up to 0.999, lambda down to 1e-6, |R| up to 1e3)."""
    dps = 30
    with mp.workdps(3 * dps):
        v = E.v_pi(case.P, case.R, case.gamma, case.theta, case.lam)
        q = E.q_pi(case.P, case.R, case.gamma, case.theta, case.lam)
        obj = E.objective_visitation(case.P, case.R, case.gamma, case.mu, case.theta, case.lam)
    for fid, fine in (("soft.v_pi", v), ("soft.q_pi", q), ("soft.objective", obj)):
        out = evaluate(fid, case.instance, dps).to_json()
        assert out["bound"] == "certified"
        with mp.workdps(3 * dps):
            bound = mp.mpf(out["error_bound"])
            assert bound < mp.mpf(10) ** (5 - dps) * (1 + value_scale(case) * kappa(case))
            assert E.sup_distance(parse(out["value"]), fine) <= bound


def test_oracle_v_star_bound_at_gamma_099() -> None:
    """gamma = 0.99, rewards of size 1e3, lambda = 1e-6 and 1e2: the certified bound of soft.v_star at
    30 digits holds against value iteration at 90 digits (about 10^4 sweeps)."""
    from rlspec.oracle.families import tabular

    raw = tabular.generate(5, states=2, actions=2, gamma=0.99, kind="dense", logit_scale=8.0)
    raw["R"] = [[[1000 * x for x in row] for row in block] for block in raw["R"]]
    for lam in (1e-6, 1e2):
        raw["params"] = {"lambda": lam}
        case = SoftCase(from_mapping(raw), Fraction(lam))
        out = evaluate("soft.v_star", case.instance, 30).to_json()
        with mp.workdps(90):
            bound = mp.mpf(out["error_bound"])
            assert bound < mp.mpf(10) ** -24
            v, err = value_iteration(case, bound / 1000)
            assert E.sup_distance(parse(out["value"]), v) <= bound + err


def test_extreme_temperature_and_rewards() -> None:
    """lambda = 1e-6 and lambda = 1e2, rewards of size 1e3, gamma = 0.999: V* is finite, certified to
    far below 1e-20, and between the hard V* and V* + lambda log|A| / (1 - gamma)."""
    from rlspec.oracle.families import tabular

    raw = tabular.generate(7, states=3, actions=3, gamma=0.999, kind="dense", logit_scale=8.0)
    raw["R"] = [[[1000 * x for x in row] for row in block] for block in raw["R"]]
    for lam in (1e-6, 1e2):
        raw["params"] = {"lambda": lam}
        instance = from_mapping(raw)
        case = SoftCase(instance, Fraction(lam))
        out = evaluate("soft.v_star", instance, 30)
        assert out.bound == "certified" and out.error_bound < mp.mpf(10) ** -20
        with mp.workdps(DPS):
            hard = hard_v_star_by_enumeration(case)
            gap = to_mpf(case.lam) * mp.log(3) * kappa(case)
            tol = value_tol(case)
            for s_, h_ in zip(out.value, hard, strict=True):
                assert h_ - tol <= s_ <= h_ + gap + tol
            star = evaluate("soft.policy_star", instance, 30)
            assert all(abs(mp.fsum(row) - 1) < mp.mpf(10) ** -25 for row in star.value)


@settings(max_examples=10)
@given(soft_cases(max_states=3), st.integers(0, 2**31), st.sampled_from((1e-3, 1e-12, 1e-25)))
def test_certificates_contain_perturbed_values(case: SoftCase, seed: int, size: float) -> None:
    """A certificate is rigorous: handed the exact answer plus a perturbation d (at 40 digits, with the
    answer known to 60), it returns a bound >= ||d|| (the true error), and not wildly more than
    ||d|| (1 + gamma) / (1 - gamma) plus rounding (for the fixed points; the policy's and the
    objective's bounds add the recomputed distance to ||d||)."""
    from rlspec.oracle.certificates import entropy as C

    rng = np.random.default_rng(seed)
    args = (case.P, case.R, case.gamma)
    with mp.workdps(60):
        exact = {
            "v_pi": (E.v_pi(*args, case.theta, case.lam), (*args, case.theta, case.lam)),
            "q_pi": (E.q_pi(*args, case.theta, case.lam), (*args, case.theta, case.lam)),
            "v_star": (E.v_star(*args, case.lam), (*args, case.lam)),
            "q_star": (E.q_star(*args, case.lam), (*args, case.lam)),
            "policy_star": (E.policy_star(*args, case.lam), (*args, case.lam)),
            "objective": (
                E.objective(*args, case.mu, case.theta, case.lam),
                (*args, case.mu, case.theta, case.lam),
            ),
        }
    for name, (value, call) in exact.items():
        with mp.workdps(DPS):
            draws = np.atleast_1d(rng.uniform(-1, 1, size=np.shape(value))).ravel()
            shift = [mp.mpf(size) * float(x) for x in draws]
            perturbed = _perturb(value, iter(shift))
        with mp.workdps(2 * DPS):
            bound = getattr(C, name)(*call, value=perturbed)
            known = mp.mpf(10) ** -55 * (1 + value_scale(case) * kappa(case))  # `value` is good to ~60 digits
            if name == "policy_star":  # a bound per entry: each holds for its own entry
                gaps = [abs(p - v) for p, v in zip(_leaves(perturbed), _leaves(value), strict=True)]
                assert all(b >= g - known for b, g in zip(_leaves(bound), gaps, strict=True)), name
                bound = max(_leaves(bound))
            error = E.sup_distance(perturbed, value)
            assert bound >= error - known, name
            slack = mp.mpf(10) ** (12 - DPS) * (1 + value_scale(case) * kappa(case))
            if name == "policy_star":  # the softmax is rounded at the working precision
                slack = slack / to_mpf(case.lam) + mp.mpf(10) ** (12 - DPS)
            assert bound <= error * (1 + to_mpf(case.gamma)) * kappa(case) + slack, name


def _leaves(value: Any) -> list[Any]:
    return [x for v in value for x in _leaves(v)] if isinstance(value, list) else [value]


def _perturb(value: Any, shift: Any) -> Any:
    if isinstance(value, list):
        return [_perturb(v, shift) for v in value]
    return value + next(shift)
