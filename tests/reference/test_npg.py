"""Property tests of the NPG section (lecture eqs 16-22) at 40+ digits: the Fisher matrix by
enumeration of trajectories, the pseudo-inverse by a dense eigendecomposition, the compatible
regression by its loss, the softmax update against the natural-gradient step."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from mpmath import mp

from rlspec.oracle.evaluate import evaluate
from rlspec.oracle.instance import from_mapping
from rlspec.reference import mdp, npg
from rlspec.reference.numbers import softmax, to_mpf
from tests.strategies_npg import npg_instances, on_edges, parts

DPS = 40


def close(a: Any, b: Any, tol: Any) -> bool:
    xs = a if isinstance(a, list) else [a]
    ys = b if isinstance(b, list) else [b]
    if xs and isinstance(xs[0], list):
        return all(close(x, y, tol) for x, y in zip(xs, ys, strict=True))
    return all(abs(x - y) <= tol for x, y in zip(xs, ys, strict=True))


def flat(m: list[list[Any]]) -> list[Any]:
    return [x for row in m for x in row]


def score(pi: list[list[Any]], s: int, a: int) -> list[Any]:
    """grad_theta log pi(a|s) for the softmax policy, flattened (index s*A + a): e_s (x) (e_a - pi_s)."""
    n_s, n_a = len(pi), len(pi[0])
    out = [mp.zero] * (n_s * n_a)
    for b in range(n_a):
        out[s * n_a + b] = (1 if a == b else 0) - pi[s][b]
    return out


def outer_add(acc: list[list[Any]], u: list[Any], v: list[Any], w: Any) -> None:
    for i, x in enumerate(u):
        if x:
            for j, y in enumerate(v):
                acc[i][j] += w * x * y


def zeros(n: int) -> list[list[Any]]:
    return [[mp.zero] * n for _ in range(n)]


def tiny_mdp(seed: int, states: int, actions: int) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    P = [
        [[Fraction(int(k), 8) for k in rng.multinomial(8, [1 / states] * states)] for _ in range(actions)]
        for _ in range(states)
    ]
    mu = [Fraction(int(k), 4) for k in rng.multinomial(4, [1 / states] * states)]
    theta = [[Fraction(int(x), 4) for x in rng.integers(-8, 9, size=actions)] for _ in range(states)]
    return P, mu, theta


def trajectories(P: Any, mu: Any, pi: Any, horizon: int) -> Any:
    """Every (probability, [(s_0, a_0), ..., (s_{H-1}, a_{H-1})]) with positive probability."""
    n_s, n_a = len(P), len(P[0])
    paths: list[tuple[Any, list[tuple[int, int]]]] = [(to_mpf(mu[s]), [(s, -1)]) for s in range(n_s) if mu[s]]
    for t in range(horizon):
        grown = []
        for prob, path in paths:
            s = path[-1][0]
            for a in range(n_a):
                pa = prob * pi[s][a]
                done = [*path[:-1], (s, a)]
                if t == horizon - 1:
                    grown.append((pa, done))
                    continue
                for s2 in range(n_s):
                    if P[s][a][s2]:
                        grown.append((pa * P[s][a][s2], [*done, (s2, -1)]))
        paths = grown
    return paths


@settings(max_examples=8)
@given(st.integers(0, 10**6), st.integers(1, 2), st.integers(1, 2), st.integers(1, 3))
def test_trajectory_fisher_cross_terms_vanish(seed: int, states: int, actions: int, horizon: int) -> None:
    """Eq 16 on a finite horizon, by enumerating every trajectory: E[(sum_t score_t)(sum_t score_t)^T]
    = E[sum_t score_t score_t^T] (the cross terms vanish because sum_a pi(a|s) = 1 makes
    E[score_t | history] = 0), and both equal sum_t sum_s P(s_t = s) (diag(pi_s) - pi_s pi_s^T)."""
    P, mu, theta = tiny_mdp(seed, states, actions)
    with mp.workdps(DPS):
        pi = mdp.policy(theta)
        n = states * actions
        full, diagonal = zeros(n), zeros(n)
        for prob, path in trajectories(P, mu, pi, horizon):
            total = [mp.fsum(col) for col in zip(*(score(pi, s, a) for s, a in path), strict=True)]
            outer_add(full, total, total, prob)
            for s, a in path:
                sc = score(pi, s, a)
                outer_add(diagonal, sc, sc, prob)
        dist = [to_mpf(m) for m in mu]
        occupancy = [mp.zero] * states
        p_pi = mdp.transition_matrix(P, pi)
        for _ in range(horizon):
            occupancy = [o + x for o, x in zip(occupancy, dist, strict=True)]
            dist = [mp.fsum(dist[s] * p_pi[s][t] for s in range(states)) for t in range(states)]
        blocks = npg.block_fisher(occupancy, pi)
        tol = mp.mpf(10) ** (-DPS + 5)
        assert close(full, diagonal, tol)
        assert close(diagonal, blocks, tol)


@given(npg_instances())
@on_edges()
def test_score_has_mean_zero(instance: Any) -> None:
    """The lecture's "assuming pi_theta(a|s) = 1" means sum_a pi_theta(a|s) = 1: then
    E_{a ~ pi(.|s)} grad log pi(a|s) = 0, which is what eq 16 uses (erratum npg.sum_to_one)."""
    _, _, _, _, theta = parts(instance)
    with mp.workdps(DPS):
        pi = mdp.policy(theta)
        for s, pi_s in enumerate(pi):
            assert abs(mp.fsum(pi_s) - 1) <= mp.mpf(10) ** (-DPS + 2)
            mean = [
                mp.fsum(pi_s[a] * score(pi, s, a)[i] for a in range(len(pi_s)))
                for i in range(len(pi) * len(pi_s))
            ]
            assert max(abs(x) for x in mean) <= mp.mpf(10) ** (-DPS + 2)
            if len(pi_s) > 1:
                assert any(p != 1 for p in pi_s)  # pi(a|s) = 1 for every a is impossible with |A| > 1


@settings(max_examples=10)
@given(npg_instances(gammas=(0.0, 0.5, 0.9, 0.99)), st.integers(1, 6))
@on_edges(3)
def test_discounted_fisher_trajectory_form(instance: Any, horizon: int) -> None:
    """Eq 18: (1 - gamma) E[sum_{t<H} gamma^t score score^T] (by propagating the state distribution)
    tends to npg.fisher, within the tail (1 - gamma) sum_{t>=H} gamma^t |C| <= gamma^H / 2."""
    P, _, gamma, mu, theta = parts(instance)
    with mp.workdps(DPS):
        pi = mdp.policy(theta)
        g = to_mpf(gamma)
        p_pi = mdp.transition_matrix(P, pi)
        dist = [to_mpf(m) for m in mu]
        weights = [mp.zero] * len(P)
        for t in range(horizon):
            weights = [w + (1 - g) * g**t * x for w, x in zip(weights, dist, strict=True)]
            dist = [mp.fsum(dist[s] * p_pi[s][u] for s in range(len(P))) for u in range(len(P))]
        truncated = npg.block_fisher(weights, pi)
        exact = npg.fisher(P, gamma, mu, theta)
        assert close(truncated, exact, g**horizon / 2 + mp.mpf(10) ** (-DPS + 5))
        if gamma == 0:
            assert close(truncated, exact, mp.mpf(10) ** (-DPS + 5))


def test_average_fisher_is_cesaro_limit_on_periodic_chain() -> None:
    """Eq 17 on a periodic chain (0 -> 1 -> 0, from s_0 = 0): P(s_t = 0) alternates 1, 0, 1, ...
    and has no limit, but the 1/T average of eq 17 converges to the blocks (1/2) C_s, which is what
    npg.fisher_average returns (erratum npg.stationary_limit)."""
    P = [[[0, 1], [0, 1]], [[1, 0], [1, 0]]]
    mu = [1, 0]
    theta: list[list[Fraction]] = [[Fraction(0), Fraction(1, 2)], [Fraction(-1, 3), Fraction(1)]]
    with mp.workdps(DPS):
        pi = mdp.policy(theta)
        average = npg.fisher_average(P, mu, theta)
        half = npg.block_fisher([mp.mpf(1) / 2, mp.mpf(1) / 2], pi)
        assert close(average, half, mp.mpf(10) ** (-DPS + 3))
        for T in (2, 10, 100):
            occupancy = [mp.mpf(T - T // 2) / T, mp.mpf(T // 2) / T]  # P(s_t = 0) = 1 for even t
            assert close(npg.block_fisher(occupancy, pi), average, mp.mpf(10) ** (-DPS + 3))
            odd = [mp.mpf(T + 1 - (T + 1) // 2) / (T + 1), mp.mpf((T + 1) // 2) / (T + 1)]
            assert close(npg.block_fisher(odd, pi), average, mp.mpf(1) / (T + 1))


@settings(max_examples=10)
@given(npg_instances())
@on_edges()
def test_average_fisher_weights_are_stationary(instance: Any) -> None:
    """Eq 17's weights: the block of state s is d(s) C_s with d P_pi = d and sum d = 1."""
    P, _, _, mu, theta = parts(instance)
    with mp.workdps(DPS):
        pi = mdp.policy(theta)
        n_a = len(pi[0])
        F = npg.fisher_average(P, mu, theta)
        if n_a == 1:
            assert all(x == 0 for row in F for x in row)
            return
        # d(s) from an off-diagonal entry -d(s) pi(0|s) pi(1|s): no cancellation, unlike the
        # diagonal d(s) pi (1 - pi) of a near-deterministic policy
        d = [-F[s * n_a][s * n_a + 1] / (pi_s[0] * pi_s[1]) for s, pi_s in enumerate(pi)]
        p_pi = mdp.transition_matrix(P, pi)
        tol = mp.mpf(10) ** (-DPS + 8)
        assert abs(mp.fsum(d) - 1) <= tol
        assert close([mp.fsum(d[s] * p_pi[s][t] for s in range(len(d))) for t in range(len(d))], d, tol)


def dense_pinv_apply(F: list[list[Any]], g: list[Any]) -> list[Any]:
    """F^+ g for a symmetric F by its eigendecomposition, dropping eigenvalues below 10^-(dps/2)."""
    w, Q = mp.eigsy(mp.matrix(F))
    n = len(g)
    cut = mp.mpf(10) ** (-mp.dps // 2)
    out = [mp.zero] * n
    for k in range(n):
        if abs(w[k]) > cut:
            coef = mp.fsum(Q[i, k] * g[i] for i in range(n)) / w[k]
            for i in range(n):
                out[i] += coef * Q[i, k]
    return out


@settings(max_examples=12)
@given(npg_instances())
@on_edges()
def test_direction_is_pseudo_inverse_and_omega_over_1_minus_gamma(instance: Any) -> None:
    """Eq 19: npg.direction = F^+ grad V computed densely (eigendecomposition of npg.fisher at 100
    digits), and = omega* / (1 - gamma)."""
    P, R, gamma, mu, theta = parts(instance)
    with mp.workdps(100):
        F = npg.fisher(P, gamma, mu, theta)
        dense = dense_pinv_apply(F, flat(mdp.gradient(P, R, gamma, mu, theta)))
    with mp.workdps(DPS):
        x = flat(npg.direction(P, R, gamma, mu, theta))
        omega = flat(npg.compatible_regression(P, R, gamma, mu, theta))
        scale = 1 + max(abs(y) for y in x)
        assert close(x, dense, scale * mp.mpf(10) ** (-DPS + 5))
        assert close(x, [w / (1 - to_mpf(gamma)) for w in omega], scale * mp.mpf(10) ** (-DPS + 5))


@settings(max_examples=12)
@given(npg_instances(), st.integers(0, 2**32 - 1))
@on_edges(7)
def test_omega_star_minimizes_loss(instance: Any, seed: int) -> None:
    """Eq 20: L(omega) = L(omega*) + (omega - omega*)^T F (omega - omega*) for every omega (L is
    quadratic with Hessian 2F), L(omega*) = 0 (tabular softmax is compatible), and omega* is
    l2-minimal: it is orthogonal to F's null space (constants at each visited state, everything at
    unvisited ones)."""
    P, R, gamma, mu, theta = parts(instance)
    rng = np.random.default_rng(seed)
    with mp.workdps(DPS):
        star = npg.compatible_regression(P, R, gamma, mu, theta)
        F = npg.fisher(P, gamma, mu, theta)
        scale = 1 + max(abs(y) for y in flat(star))
        tol = scale**2 * mp.mpf(10) ** (-DPS + 6)
        assert abs(npg.compatible_loss(P, R, gamma, mu, theta, star)) <= tol
        omega = [[w + Fraction(float(rng.normal())) for w in row] for row in star]
        diff = [to_mpf(a) - b for a, b in zip(flat(omega), flat(star), strict=True)]
        quad = mp.fsum(diff[i] * F[i][j] * diff[j] for i in range(len(diff)) for j in range(len(diff)))
        assert abs(npg.compatible_loss(P, R, gamma, mu, theta, omega) - quad) <= tol
        visited = npg.reachable(P, gamma, mu)
        for s, row in enumerate(star):
            assert abs(mp.fsum(row)) <= tol if visited[s] else all(w == 0 for w in row)


@settings(max_examples=12)
@given(npg_instances(), st.integers(0, 2**32 - 1))
@on_edges(7)
def test_every_minimizer_is_advantage_plus_constant(instance: Any, seed: int) -> None:
    """Eq 21: every omega with omega[s] = A(s,.) + c_s at the visited states minimizes L (L = 0), and
    a perturbation that is not constant within a visited state's row with |A| > 1 increases L."""
    P, R, gamma, mu, theta = parts(instance)
    rng = np.random.default_rng(seed)
    with mp.workdps(DPS):
        adv = mdp.advantage(P, R, gamma, theta)
        visited = npg.reachable(P, gamma, mu)
        d = mdp.visitation(P, gamma, mu, theta)
        omega = [
            [a + Fraction(float(c)) for a in row]
            if visited[s]
            else [Fraction(float(x)) for x in rng.normal(size=len(row))]
            for s, (row, c) in enumerate(zip(adv, rng.normal(size=len(adv)), strict=True))
        ]
        scale = 1 + max(abs(x) for x in flat(adv))
        assert abs(npg.compatible_loss(P, R, gamma, mu, theta, omega)) <= scale**2 * mp.mpf(10) ** (-DPS + 6)
        for s, row in enumerate(omega):
            if visited[s] and len(row) > 1 and d[s] > mp.mpf(10) ** -20:
                bumped = [list(r) for r in omega]
                bumped[s][0] += 1
                assert npg.compatible_loss(P, R, gamma, mu, theta, bumped) > 0


@settings(max_examples=12)
@given(npg_instances(), st.sampled_from([Fraction(1, 10), Fraction(1), Fraction(3, 2)]))
@on_edges(Fraction(1))
def test_softmax_update_is_npg_step(instance: Any, eta: Fraction) -> None:
    """Eq 22: softmax(theta + eta F^+ grad V) = npg.softmax_update at every visited state; at a state
    mu never reaches, F^+ grad V is 0 and the NPG step leaves pi(.|s) unchanged (erratum
    npg.update_unvisited), while eq 22 still reweights it."""
    P, R, gamma, mu, theta = parts(instance)
    with mp.workdps(DPS):
        x = npg.direction(P, R, gamma, mu, theta)
        update = npg.softmax_update(P, R, gamma, theta, eta)
        pi = mdp.policy(theta)
        tol = mp.mpf(10) ** (-DPS + 8)
        g, adv = to_mpf(gamma), mdp.advantage(P, R, gamma, theta)
        for s, visited in enumerate(npg.reachable(P, gamma, mu)):
            stepped = softmax([to_mpf(t) + eta * y for t, y in zip(theta[s], x[s], strict=True)])
            weights = [p * mp.exp(eta * a / (1 - g)) for p, a in zip(pi[s], adv[s], strict=True)]
            eq22 = [w / mp.fsum(weights) for w in weights]
            assert close(update[s], eq22, tol)
            assert close(stepped, update[s] if visited else pi[s], tol)


@settings(max_examples=4)
@given(npg_instances(max_states=3, max_actions=3))
@on_edges()
def test_oracle_bounds_hold(instance: Any) -> None:
    """`rlspec oracle` at 20 digits: the reported bound contains the value recomputed at 150 digits
    (the oracle may work with more than 60 digits to give every entry its 20)."""
    P, R, gamma, mu, theta = parts(instance)
    raw = instance.to_json()
    raw["params"] = {"eta": "1/2", "omega": [[str(x) for x in row] for row in theta]}
    inst = from_mapping(raw)
    with mp.workdps(150):
        fine = {
            "npg.fisher": flat(npg.fisher(P, gamma, mu, theta)),
            "npg.direction": flat(npg.direction(P, R, gamma, mu, theta)),
            "npg.compatible_regression": flat(npg.compatible_regression(P, R, gamma, mu, theta)),
            "npg.compatible_loss": [npg.compatible_loss(P, R, gamma, mu, theta, theta)],
            "npg.softmax_update": flat(npg.softmax_update(P, R, gamma, theta, Fraction(1, 2))),
            "npg.fisher_average": flat(npg.fisher_average(P, mu, theta)),
        }
    for formula_id, values in fine.items():
        result = evaluate(formula_id, inst, dps=20)
        got = result.value if isinstance(result.value, list) else [result.value]
        got = flat(got) if got and isinstance(got[0], list) else got
        with mp.workdps(150):
            assert all(abs(mp.mpf(a) - b) <= result.error_bound for a, b in zip(got, values, strict=True)), (
                formula_id
            )
