"""Property tests of the MDP core (lecture eqs 14, 15, 23 and the NPG section's definitions) at
40 digits. Every check uses a second route: a dense mpmath LU (independent of the fixed-point
engine of reference.mdp), a finite-horizon enumeration, the score-function form, finite
differences, or arithmetic done by hand."""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from mpmath import mp

from rlspec.oracle.instance import Instance, from_mapping
from rlspec.reference import mdp
from rlspec.reference.numbers import to_mpf
from tests.strategies import tabular_instances

DPS = 40
EXAMPLE = Path(__file__).resolve().parents[2] / "spec" / "examples" / "tabular-2state.json"


def tol(scale: Any = 1) -> Any:
    return mp.mpf(10) ** (-DPS + 8) * (1 + abs(scale))


def parts(inst: Instance) -> tuple[Any, Any, Any, Any, Any]:
    d = inst.data
    return d["P"], d["R"], d["gamma"], d["mu"], d["theta"]


def naive_v(P: Any, R: Any, gamma: Any, pi: Any) -> list[Any]:
    """V^pi by mpmath's dense LU on (I - gamma P_pi) V = r_pi (the textbook route)."""
    p_pi = mdp.transition_matrix(P, pi)
    n = len(p_pi)
    g = to_mpf(gamma)
    system = mp.matrix([[(1 if s == t else 0) - g * p_pi[s][t] for t in range(n)] for s in range(n)])
    x = mp.lu_solve(system, mp.matrix(mdp.policy_reward(P, R, pi)))
    return [x[i] for i in range(n)]


def rmax(R: Any) -> Any:
    return max(abs(to_mpf(x)) for block in R for row in block for x in row)


def horizon(gamma: Any) -> Any:
    return 1 / (1 - to_mpf(gamma))


# ---- Bellman equations and the two routes --------------------------------------------------


@given(tabular_instances(max_states=4, max_actions=3))
def test_v_solves_bellman_equation_and_matches_dense_lu(inst: Instance) -> None:
    P, R, gamma, _, theta = parts(inst)
    with mp.workdps(DPS):
        pi = mdp.policy(theta)
        v = mdp.v(P, R, gamma, theta)
        p_pi, r_pi, g = mdp.transition_matrix(P, pi), mdp.policy_reward(P, R, pi), to_mpf(gamma)
        scale = rmax(R) * horizon(gamma)
        for s in range(len(v)):
            assert abs(r_pi[s] + g * mp.fdot(p_pi[s], v) - v[s]) <= tol(scale)
        for x, y in zip(v, naive_v(P, R, gamma, pi), strict=True):
            assert abs(x - y) <= tol(scale * horizon(gamma))


@given(tabular_instances(max_states=4, max_actions=3))
def test_q_bellman_equation_and_v_is_policy_average_of_q(inst: Instance) -> None:
    P, R, gamma, _, theta = parts(inst)
    with mp.workdps(DPS):
        pi = mdp.policy(theta)
        q, v, adv = mdp.q(P, R, gamma, theta), mdp.v(P, R, gamma, theta), mdp.advantage(P, R, gamma, theta)
        g = to_mpf(gamma)
        r = mdp.expected_reward(P, R)
        scale = rmax(R) * horizon(gamma)
        for s, row in enumerate(q):
            assert abs(mp.fdot(pi[s], row) - v[s]) <= tol(scale)
            assert abs(mp.fdot(pi[s], adv[s])) <= tol(scale)
            for a, x in enumerate(row):
                future = mp.fsum(to_mpf(P[s][a][t]) * mp.fdot(pi[t], q[t]) for t in range(len(q)))
                assert abs(r[s][a] + g * future - x) <= tol(scale)
                assert abs(x - v[s] - adv[s][a]) <= tol(scale)


@given(tabular_instances(max_states=4, max_actions=3))
def test_objective_is_mu_weighted_value(inst: Instance) -> None:
    """Lecture eq 14 (first equality): V^{pi_theta}(mu) = E_{s0 ~ mu} V^{pi_theta}(s0)."""
    P, R, gamma, mu, theta = parts(inst)
    with mp.workdps(DPS):
        v = naive_v(P, R, gamma, mdp.policy(theta))
        expected = mp.fsum(to_mpf(m) * x for m, x in zip(mu, v, strict=True))
        assert abs(mdp.objective(P, R, gamma, mu, theta) - expected) <= tol(rmax(R) * horizon(gamma) ** 2)


def test_trajectory_distribution_enumeration() -> None:
    """Lecture eqs 14-15: P_mu^pi(tau) = mu(s0) prod_t pi(a_t|s_t) P(s_t+1|s_t,a_t) is a
    probability distribution over trajectories, and E_tau[sum_{t<T} gamma^t r_t] (enumerating
    every trajectory of length T of a 2-state, 2-action MDP) equals mu^T sum_{t<T} gamma^t
    P_pi^t r_pi, and is within gamma^T max|r| / (1 - gamma) of V(mu)."""
    h = Fraction(1, 2)
    P: Any = [[[Fraction(3, 4), Fraction(1, 4)], [h, h]], [[Fraction(1, 8), Fraction(7, 8)], [1, 0]]]
    R: Any = [[[1, -1], [Fraction(1, 2), 2]], [[0, 3], [-2, 1]]]
    theta: Any = [[0, 1], [Fraction(-1, 2), 2]]
    gamma, mu = Fraction(3, 5), [Fraction(1, 3), Fraction(2, 3)]
    T = 6
    with mp.workdps(DPS):
        pi = mdp.policy(theta)
        g = to_mpf(gamma)
        total_prob, total_return = mp.zero, mp.zero
        for path in itertools.product(range(2), repeat=2 * T + 1):
            states, actions = path[0::2], path[1::2]
            prob = to_mpf(mu[states[0]])
            ret = mp.zero
            for t in range(T):
                s, a, s2 = states[t], actions[t], states[t + 1]
                prob *= pi[s][a] * to_mpf(P[s][a][s2])
                ret += g**t * to_mpf(R[s][a][s2])
            total_prob += prob
            total_return += prob * ret
        assert abs(total_prob - 1) <= tol()
        p_pi, r_pi = mdp.transition_matrix(P, pi), mdp.policy_reward(P, R, pi)
        dist, expected = [to_mpf(m) for m in mu], mp.zero
        for t in range(T):
            expected += g**t * mp.fdot(dist, r_pi)
            dist = [mp.fsum(dist[s] * p_pi[s][u] for s in range(2)) for u in range(2)]
        assert abs(total_return - expected) <= tol(10)
        tail = g**T * 3 / (1 - g)
        assert abs(mdp.objective(P, R, gamma, mu, theta) - total_return) <= tail


# ---- visitation and stationary distributions ------------------------------------------------


@given(tabular_instances(max_states=4, max_actions=3))
def test_visitation_sums_to_one_and_solves_its_equation(inst: Instance) -> None:
    P, _, gamma, mu, theta = parts(inst)
    with mp.workdps(DPS):
        d = mdp.visitation(P, gamma, mu, theta)
        p_pi, g = mdp.transition_matrix(P, mdp.policy(theta)), to_mpf(gamma)
        assert abs(mp.fsum(d) - 1) <= tol(horizon(gamma))
        for t in range(len(d)):
            rhs = (1 - g) * to_mpf(mu[t]) + g * mp.fsum(d[s] * p_pi[s][t] for s in range(len(d)))
            assert abs(rhs - d[t]) <= tol(horizon(gamma))
            assert d[t] >= -tol()


@given(tabular_instances(max_states=4, max_actions=3))
def test_stationary_is_invariant_distribution(inst: Instance) -> None:
    P, _, _, mu, theta = parts(inst)
    with mp.workdps(DPS):
        d = mdp.stationary(P, mu, theta)
        p_pi = mdp.transition_matrix(P, mdp.policy(theta))
        assert abs(mp.fsum(d) - 1) <= tol(1e6)
        for t in range(len(d)):
            assert abs(mp.fsum(d[s] * p_pi[s][t] for s in range(len(d))) - d[t]) <= tol(1e6)
            assert d[t] >= -tol(1e6)


def test_stationary_is_cesaro_limit_on_periodic_chain_with_two_classes() -> None:
    """State 0 is transient: it moves to the periodic class {1, 2} (1 <-> 2) with probability
    3/4 and to the absorbing state 3 with 1/4 (whatever the action). Started from
    mu = (1/2, 1/2, 0, 0), P(s_t = s) oscillates forever; by hand: the mass 1/2 in state 0 splits
    3/8 -> {1, 2} and 1/8 -> 3; the mass 1/2 + 3/8 = 7/8 in the 2-cycle spends half its time in
    each state, so the Cesaro limit is d = (0, 7/16, 7/16, 1/8)."""
    q, o = Fraction(1, 4), Fraction(0)
    P: Any = [[[o, Fraction(3, 8), Fraction(3, 8), q], [o, Fraction(3, 4), o, q]],
         [[o, o, 1, o], [o, o, 1, o]],
         [[o, 1, o, o], [o, 1, o, o]],
         [[o, o, o, 1], [o, o, o, 1]]]  # fmt: skip
    mu = [Fraction(1, 2), Fraction(1, 2), o, o]
    theta: Any = [[0, 1], [0, 0], [2, -1], [0, 0]]
    with mp.workdps(DPS):
        d = mdp.stationary(P, mu, theta)
        expected = [0, Fraction(7, 16), Fraction(7, 16), Fraction(1, 8)]
        assert all(abs(x - to_mpf(y)) <= tol() for x, y in zip(d, expected, strict=True))
        # the Cesaro mean of P(s_t = s) over T = 400 steps, by iterating the chain
        p_pi = mdp.transition_matrix(P, mdp.policy(theta))
        dist, mean, T = [to_mpf(m) for m in mu], [mp.zero] * 4, 400
        for _ in range(T):
            mean = [x + y / T for x, y in zip(mean, dist, strict=True)]
            dist = [mp.fsum(dist[s] * p_pi[s][u] for s in range(4)) for u in range(4)]
        assert all(abs(x - y) <= mp.mpf(2) / T for x, y in zip(mean, d, strict=True))
        assert abs(dist[1] - d[1]) > mp.mpf("0.1")  # the chain itself does not converge


# ---- performance difference lemma and policy gradient ---------------------------------------


@settings(max_examples=10)
@given(tabular_instances(max_states=4, max_actions=3), st.integers(0, 2**32 - 1))
def test_performance_difference_lemma(inst: Instance, seed: int) -> None:
    """Lecture eq 23:
    V^{pi_theta}(mu) = V^{pi_t}(mu) + 1/(1-gamma) E_{d^{pi_theta}} E_{pi_theta}[A^{pi_t}]."""
    P, R, gamma, mu, theta = parts(inst)
    rng = np.random.default_rng(seed)
    theta_new = [[Fraction(float(x)) for x in row] for row in rng.normal(size=(len(theta), len(theta[0])))]
    with mp.workdps(DPS):
        rhs = mdp.performance_difference(P, R, gamma, mu, theta, theta_new)
        lhs = mp.fdot([to_mpf(m) for m in mu], naive_v(P, R, gamma, mdp.policy(theta_new)))
        assert abs(lhs - rhs) <= tol(rmax(R) * horizon(gamma) ** 3)


@given(tabular_instances(max_states=4, max_actions=3))
def test_policy_gradient_is_expected_score_times_advantage(inst: Instance) -> None:
    """grad V(mu) = 1/(1-gamma) E_{s~d} E_{a~pi}[grad log pi(a|s) A(s,a)], with the softmax score
    d log pi(a|s) / d theta[s'][b] = 1[s = s'] (1[a = b] - pi(b|s))."""
    P, R, gamma, mu, theta = parts(inst)
    with mp.workdps(DPS):
        pi, d = mdp.policy(theta), mdp.visitation(P, gamma, mu, theta)
        adv = mdp.advantage(P, R, gamma, theta)
        g = to_mpf(gamma)
        grad = mdp.gradient(P, R, gamma, mu, theta)
        n_a = len(pi[0])
        for s in range(len(pi)):
            for b in range(n_a):
                score_form = mp.fsum(
                    pi[s][a] * ((1 if a == b else 0) - pi[s][b]) * adv[s][a] for a in range(n_a)
                ) * d[s] / (1 - g)
                assert abs(score_form - grad[s][b]) <= tol(rmax(R) * horizon(gamma) ** 3)


@settings(max_examples=6)
@given(tabular_instances(max_states=3, max_actions=3, gammas=(0.0, 0.5, 0.9, 0.99)))
def test_policy_gradient_matches_central_finite_difference(inst: Instance) -> None:
    """Central difference of V(mu) at 80 digits with step h = 1e-25: error O(h^2) = 1e-50."""
    P, R, gamma, mu, theta = parts(inst)
    with mp.workdps(DPS):
        grad = mdp.gradient(P, R, gamma, mu, theta)
    with mp.workdps(80):
        h = mp.mpf(10) ** -25

        def shifted(s: int, a: int, step: Any) -> list[list[Any]]:
            out = [[to_mpf(x) for x in r] for r in theta]
            out[s][a] += step
            return out

        for s, row in enumerate(theta):
            for a in range(len(row)):
                plus, minus = shifted(s, a, h), shifted(s, a, -h)
                fd = (mdp.objective(P, R, gamma, mu, plus) - mdp.objective(P, R, gamma, mu, minus)) / (2 * h)
                assert abs(fd - grad[s][a]) <= mp.mpf(10) ** (-DPS + 10) * (1 + rmax(R) * horizon(gamma) ** 3)


# ---- optimal values -----------------------------------------------------------------------------


@settings(max_examples=10)
@given(tabular_instances(max_states=4, max_actions=3), st.integers(0, 2**32 - 1))
def test_v_star_solves_optimality_equation_and_dominates(inst: Instance, seed: int) -> None:
    P, R, gamma, _, theta = parts(inst)
    with mp.workdps(DPS):
        v_star, q_star = mdp.v_star(P, R, gamma), mdp.q_star(P, R, gamma)
        r, g = mdp.expected_reward(P, R), to_mpf(gamma)
        scale = rmax(R) * horizon(gamma) ** 2
        for s in range(len(v_star)):
            backup = [r[s][a] + g * mp.fdot([to_mpf(x) for x in P[s][a]], v_star) for a in range(len(r[s]))]
            assert abs(max(backup) - v_star[s]) <= tol(scale)
            assert abs(max(q_star[s]) - v_star[s]) <= tol(scale)
        for x, y in zip(mdp.v(P, R, gamma, theta), v_star, strict=True):
            assert x <= y + tol(scale)


# ---- a 2-state MDP by hand --------------------------------------------------------------------


def test_two_state_mdp_by_hand() -> None:
    """spec/examples/tabular-2state.json: gamma = 9/10, uniform policy (theta = 0).
    State 0: action 0 stays (reward 1), action 1 moves to 1 (reward 2).
    State 1: action 0 stays (reward 0), action 1 moves to 0 (reward 3).
    r_pi = (1/2 (1 + 2), 1/2 (0 + 3)) = (3/2, 3/2); P_pi = [[1/2, 1/2], [1/2, 1/2]].
    V = 3/2 + 9/10 V (both states alike) -> V = 15 in both states.
    Q(0,0) = 1 + 9/10 * 15 = 29/2, Q(0,1) = 2 + 27/2 = 31/2, Q(1,0) = 27/2, Q(1,1) = 3 + 27/2 = 33/2.
    A = Q - 15: (-1/2, 1/2), (-3/2, 3/2). mu = (1/2, 1/2) is P_pi-invariant, so d = (1/2, 1/2)
    and the stationary distribution is (1/2, 1/2).
    grad[s][a] = d(s) pi(a|s) A(s,a) / (1 - gamma) = (1/2)(1/2) A * 10 = 5/2 A:
    (-5/4, 5/4), (-15/4, 15/4).
    V*: the cycle 0 -> 1 -> 0 collects 2, 3, 2, 3, ...: V*(0) = 2 + 9/10 V*(1),
    V*(1) = 3 + 9/10 V*(0) -> V*(0) = (2 + 27/10) / (1 - 81/100) = 470/19, V*(1) = 480/19.
    Q*(0,0) = 1 + 9/10 * 470/19 = 442/19, Q*(1,0) = 0 + 9/10 * 480/19 = 432/19."""
    inst = from_mapping(json.loads(EXAMPLE.read_text()))
    P, R, gamma, mu, theta = parts(inst)
    F = Fraction
    with mp.workdps(DPS):

        def near(x: Any, y: Any) -> bool:
            return bool(abs(x - to_mpf(F(y))) <= tol(100))

        assert all(near(x, 15) for x in mdp.v(P, R, gamma, theta))
        q = mdp.q(P, R, gamma, theta)
        expected_q = [F(29, 2), F(31, 2), F(27, 2), F(33, 2)]
        assert all(near(x, y) for x, y in zip(q[0] + q[1], expected_q, strict=True))
        adv = mdp.advantage(P, R, gamma, theta)
        expected_a = [F(-1, 2), F(1, 2), F(-3, 2), F(3, 2)]
        assert all(near(x, y) for x, y in zip(adv[0] + adv[1], expected_a, strict=True))
        assert all(near(x, F(1, 2)) for x in mdp.visitation(P, gamma, mu, theta))
        assert all(near(x, F(1, 2)) for x in mdp.stationary(P, mu, theta))
        assert near(mdp.objective(P, R, gamma, mu, theta), 15)
        grad = mdp.gradient(P, R, gamma, mu, theta)
        expected_g = [F(-5, 4), F(5, 4), F(-15, 4), F(15, 4)]
        assert all(near(x, y) for x, y in zip(grad[0] + grad[1], expected_g, strict=True))
        assert all(near(x, y) for x, y in zip(mdp.v_star(P, R, gamma), [F(470, 19), F(480, 19)], strict=True))
        q_star = mdp.q_star(P, R, gamma)
        assert near(q_star[0][0], F(442, 19)) and near(q_star[1][0], F(432, 19))
        assert near(q_star[0][1], F(470, 19)) and near(q_star[1][1], F(480, 19))
