"""Property tests of the TRPO section (lecture eqs 23-29) at 40+ digits: the performance
difference lemma, the first-order match of V_t, the lower bound, the KL divergences and their
quadratic model, the natural step as the solution of eq 29, the line search rule and conjugate
gradient."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from mpmath import mp

from rlspec.oracle.evaluate import evaluate
from rlspec.oracle.instance import from_mapping
from rlspec.reference import mdp, npg, trpo
from rlspec.reference.numbers import to_mpf
from tests.strategies_npg import npg_instances, on_edges, parts, trpo_instances

DPS = 40

# The largest (V_t(theta) - V(theta)) / penalty seen by test_lower_bound_holds (<= 1 iff the bound holds).
TIGHTEST: list[Any] = []


def flat(m: Any) -> list[Any]:
    return [x for row in m for x in row]


def close(a: list[Any], b: list[Any], tol: Any) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def shifted(theta: Any, direction: Any, t: Any) -> list[list[Any]]:
    return [
        [to_mpf(x) + t * y for x, y in zip(r, s, strict=True)] for r, s in zip(theta, direction, strict=True)
    ]


@settings(max_examples=12)
@given(trpo_instances())
@on_edges(pairs=True)
def test_performance_difference_lemma(pair: Any) -> None:
    """Eq 23: V^{pi_new}(mu) = V^{pi_t}(mu) + 1/(1-gamma) E_{d^{pi_new}} E_{pi_new} A^{pi_t}."""
    instance, theta_new = pair
    P, R, gamma, mu, theta = parts(instance)
    with mp.workdps(DPS):
        d_new = mdp.visitation(P, gamma, mu, theta_new)
        pi_new = mdp.policy(theta_new)
        adv = mdp.advantage(P, R, gamma, theta)
        gain = mp.fsum(d_new[s] * mp.fdot(pi_new[s], adv[s]) for s in range(len(adv)))
        rhs = mdp.objective(P, R, gamma, mu, theta) + gain / (1 - to_mpf(gamma))
        kappa = 1 / (1 - to_mpf(gamma))
        assert abs(mdp.objective(P, R, gamma, mu, theta_new) - rhs) <= kappa**2 * mp.mpf(10) ** (-DPS + 6)


@settings(max_examples=10)
@given(trpo_instances())
@on_edges(pairs=True)
def test_surrogate_matches_value_to_first_order(pair: Any) -> None:
    """Eq 24 and the first fact: V_t(theta_t) = V^{pi_t}(mu), and the directional derivatives of V_t
    and of V^{pi_theta}(mu) at theta_t agree (central differences, h = 1e-12 at 60 digits), both
    equal to trpo.surrogate_linear, the linear model of eq 28 without its constant V^{pi_t}(mu)
    (erratum trpo.linear_model)."""
    instance, theta_new = pair
    P, R, gamma, mu, theta = parts(instance)
    with mp.workdps(60):
        value = mdp.objective(P, R, gamma, mu, theta)
        kappa = 1 / (1 - to_mpf(gamma))
        assert abs(trpo.surrogate(P, R, gamma, mu, theta, theta) - value) <= kappa**2 * mp.mpf(10) ** -50
        direction = [
            [to_mpf(y) - to_mpf(x) for x, y in zip(r, s, strict=True)]
            for r, s in zip(theta, theta_new, strict=True)
        ]
        h = mp.mpf(10) ** -12
        plus, minus = shifted(theta, direction, h), shifted(theta, direction, -h)
        d_surrogate = (
            trpo.surrogate(P, R, gamma, mu, theta, plus) - trpo.surrogate(P, R, gamma, mu, theta, minus)
        ) / (2 * h)
        d_value = (mdp.objective(P, R, gamma, mu, plus) - mdp.objective(P, R, gamma, mu, minus)) / (2 * h)
        linear = trpo.surrogate_linear(P, R, gamma, mu, theta, theta_new)
        size = (1 + max(abs(x) for x in flat(direction))) ** 3 * kappa**4
        assert abs(d_surrogate - linear) <= size * mp.mpf(10) ** -20
        assert abs(d_value - linear) <= size * mp.mpf(10) ** -20


@settings(max_examples=15)
@given(trpo_instances(spread=(0.1, 0.5, 2.0, 6.0)))
@on_edges(pairs=True)
def test_lower_bound_holds(pair: Any) -> None:
    """Eq 25: V^{pi_new}(mu) >= V_t(theta_new) - 2 gamma eps_t / (1 - gamma)^2 max_s KL, on every
    instance; the ratio (V_t - V) / penalty (<= 1 iff the bound holds) is recorded in TIGHTEST."""
    instance, theta_new = pair
    P, R, gamma, mu, theta = parts(instance)
    with mp.workdps(DPS):
        value = mdp.objective(P, R, gamma, mu, theta_new)
        bound = trpo.lower_bound(P, R, gamma, mu, theta, theta_new)
        surrogate = trpo.surrogate(P, R, gamma, mu, theta, theta_new)
        kappa = 1 / (1 - to_mpf(gamma))
        assert value >= bound - kappa**3 * mp.mpf(10) ** (-DPS + 6)
        penalty = surrogate - bound
        if penalty > mp.mpf(10) ** -20:
            TIGHTEST.append((surrogate - value) / penalty)
            assert TIGHTEST[-1] <= 1


@settings(max_examples=12)
@given(trpo_instances())
@on_edges(pairs=True)
def test_kl_divergences(pair: Any) -> None:
    """Eqs 26, 27: KL(pi_t(.|s) || pi_new(.|s)) = sum_a pi_t log(pi_t / pi_new) from the probabilities
    (a second route to the log-softmax one), >= 0; mean_kl = sum_s d_t(s) KL_s <= max_kl; both are 0
    for theta_new = theta + c_s (a softmax shift)."""
    instance, theta_new = pair
    P, _, gamma, mu, theta = parts(instance)
    with mp.workdps(DPS):
        pi, pi_new = mdp.policy(theta), mdp.policy(theta_new)
        rows = [
            mp.fsum(p * mp.log(p / q) for p, q in zip(a, b, strict=True))
            for a, b in zip(pi, pi_new, strict=True)
        ]
        tol = mp.mpf(10) ** (-DPS + 6) * (1 + max(abs(to_mpf(x)) for x in flat(theta_new) + flat(theta)))
        assert min(rows) >= -tol
        assert abs(trpo.max_kl(theta, theta_new) - max(rows)) <= tol
        d = mdp.visitation(P, gamma, mu, theta)
        assert abs(trpo.mean_kl(P, gamma, mu, theta, theta_new) - mp.fdot(d, rows)) <= tol
        assert trpo.mean_kl(P, gamma, mu, theta, theta_new) <= trpo.max_kl(theta, theta_new) + tol
        shift = [[x + Fraction(s - 1, 3) for x in row] for s, row in enumerate(theta)]
        assert abs(trpo.max_kl(theta, shift)) <= tol
        assert abs(trpo.mean_kl(P, gamma, mu, theta, shift)) <= tol


@settings(max_examples=10)
@given(trpo_instances())
@on_edges(pairs=True)
def test_quadratic_model_of_mean_kl(pair: Any) -> None:
    """Eq 28: mean_kl(theta_t + t D) = (t^2 / 2) D^T F D + O(t^3): the ratio to trpo.kl_quadratic tends
    to 1 linearly in t (t = 1e-6, 1e-9 at 50 digits); F D is trpo.fisher_vector_product = npg.fisher D."""
    instance, theta_new = pair
    P, _, gamma, mu, theta = parts(instance)
    with mp.workdps(50):
        D = [
            [to_mpf(y) - to_mpf(x) for x, y in zip(r, s, strict=True)]
            for r, s in zip(theta, theta_new, strict=True)
        ]
        F = npg.fisher(P, gamma, mu, theta)
        fd = flat(trpo.fisher_vector_product(P, gamma, mu, theta, D))
        dense = [mp.fdot(row, flat(D)) for row in F]
        assert close(fd, dense, mp.mpf(10) ** -45 * (1 + max(abs(x) for x in flat(D))))
        gaps = []
        for t in (mp.mpf(10) ** -6, mp.mpf(10) ** -9):
            near = shifted(theta, D, t)
            quad = trpo.kl_quadratic(P, gamma, mu, theta, near)
            exact = trpo.mean_kl(P, gamma, mu, theta, near)
            assert abs(quad - t**2 * mp.fdot(flat(D), fd) / 2) <= mp.mpf(10) ** -45
            if quad > mp.mpf(10) ** -40:
                gaps.append(abs(exact / quad - 1))
            else:
                assert abs(exact) <= mp.mpf(10) ** -30  # D is in F's null space: flat to second order
        if len(gaps) == 2:
            assert gaps[1] <= gaps[0] * mp.mpf(10) ** -2 + mp.mpf(10) ** -25


@settings(max_examples=12)
@given(
    npg_instances(),
    st.sampled_from([Fraction(1, 100), Fraction(1, 10), Fraction(1)]),
    st.integers(0, 2**32 - 1),
)
@on_edges(Fraction(1, 10), 5)
def test_step_solves_trust_region_problem(instance: Any, delta: Fraction, seed: int) -> None:
    """Eq 29: s = trpo.step has (1/2) s^T F s = delta and g^T s = sqrt(2 delta g^T F^+ g), and no
    random direction scaled to the constraint's boundary does better on the linear model."""
    P, R, gamma, mu, theta = parts(instance)
    rng = np.random.default_rng(seed)
    with mp.workdps(60):  # near-deterministic policies: |s| ~ 1/sqrt(d pi) and F's entries cancel
        s = flat(trpo.step(P, R, gamma, mu, theta, delta))
        g = flat(mdp.gradient(P, R, gamma, mu, theta))
        x = flat(npg.direction(P, R, gamma, mu, theta))
        F = npg.fisher(P, gamma, mu, theta)

        def curvature(v: list[Any]) -> Any:
            return mp.fsum(v[i] * F[i][j] * v[j] for i in range(len(v)) for j in range(len(v))) / 2

        gx = mp.fdot(g, x)
        dd = to_mpf(delta)
        if gx == 0:
            assert all(v == 0 for v in s)
            return
        size = (1 + max(abs(v) for v in s)) ** 2 * (1 + max(abs(v) for v in g)) * len(s) ** 2
        tol = size * mp.mpf(10) ** -48
        assert abs(curvature(s) - dd) <= tol
        best = mp.fdot(g, s)
        assert abs(best - mp.sqrt(2 * dd * gx)) <= tol
        for _ in range(5):
            v = [mp.mpf(float(z)) for z in rng.normal(size=len(g))]
            c = curvature(v)
            if c > mp.mpf(10) ** -30:
                assert mp.fdot(g, v) * mp.sqrt(dd / c) <= best * (1 + mp.mpf(10) ** -20)


@settings(max_examples=10)
@given(
    npg_instances(),
    st.sampled_from([Fraction(1, 100), Fraction(1, 2), Fraction(3)]),
    st.sampled_from([Fraction(1, 2), Fraction(4, 5)]),
    st.integers(0, 6),
)
@on_edges(Fraction(1, 2), Fraction(1, 2), 6)
def test_line_search_rule(instance: Any, delta: Fraction, beta: Fraction, max_backtracks: int) -> None:
    """The documented rule: the returned j is the first in 0..max_backtracks whose candidate
    theta + beta^j step strictly improves V_t and has mean KL <= delta (checked with trpo.surrogate
    and trpo.mean_kl), or -1 with theta returned."""
    P, R, gamma, mu, theta = parts(instance)
    with mp.workdps(DPS):
        chosen, j = trpo.line_search_path(P, R, gamma, mu, theta, delta, beta, max_backtracks)
        step = trpo.step(P, R, gamma, mu, theta, delta)
        base = trpo.surrogate(P, R, gamma, mu, theta, theta)
        zero = all(v == 0 for v in flat(step))
        accepted = []
        for k in range(max_backtracks + 1):
            cand = shifted(theta, step, to_mpf(beta) ** k)
            better = trpo.surrogate(P, R, gamma, mu, theta, cand) > base
            accepted.append(not zero and better and trpo.mean_kl(P, gamma, mu, theta, cand) <= to_mpf(delta))
        expected = accepted.index(True) if any(accepted) else -1
        assert j == expected
        target = shifted(theta, step, to_mpf(beta) ** j) if j >= 0 else shifted(theta, step, 0)
        assert close(flat(chosen), flat(target), mp.mpf(10) ** (-DPS + 2))


@settings(max_examples=10)
@given(npg_instances())
@on_edges()
def test_conjugate_gradient_reaches_pseudo_inverse(instance: Any) -> None:
    """CG without damping (the lecture) from x_0 = 0 stays in F's range, where g lies; after |S||A|
    iterations it is F^+ g = npg.direction (at 80 digits, compared to 25)."""
    P, R, gamma, mu, theta = parts(instance)
    n = len(P) * len(P[0])
    with mp.workdps(80):
        x = flat(trpo.conjugate_gradient(P, R, gamma, mu, theta, n, 0))
        target = flat(npg.direction(P, R, gamma, mu, theta))
        assert close(x, target, mp.mpf(10) ** -25 * (1 + max(abs(v) for v in target)))


@settings(max_examples=4)
@given(trpo_instances(max_states=3, max_actions=3))
@on_edges(pairs=True)
def test_oracle_bounds_hold(pair: Any) -> None:
    """`rlspec oracle` at 20 digits: the reported bound contains the value recomputed at 150 digits
    (the oracle may work with more than 60 digits to give every entry its 20)."""
    instance, theta_new = pair
    P, R, gamma, mu, theta = parts(instance)
    raw = instance.to_json()
    raw["params"] = {
        "theta_new": [[str(x) for x in row] for row in theta_new],
        "delta": "1/50",
        "beta": "1/2",
        "max_backtracks": 8,
        "iterations": 3,
        "damping": "1/10",
        "v": [[str(x) for x in row] for row in theta_new],
    }
    inst = from_mapping(raw)
    with mp.workdps(150):
        fine = {
            "trpo.surrogate": [trpo.surrogate(P, R, gamma, mu, theta, theta_new)],
            "trpo.lower_bound": [trpo.lower_bound(P, R, gamma, mu, theta, theta_new)],
            "trpo.mean_kl": [trpo.mean_kl(P, gamma, mu, theta, theta_new)],
            "trpo.max_kl": [trpo.max_kl(theta, theta_new)],
            "trpo.kl_quadratic": [trpo.kl_quadratic(P, gamma, mu, theta, theta_new)],
            "trpo.surrogate_linear": [trpo.surrogate_linear(P, R, gamma, mu, theta, theta_new)],
            "trpo.fisher_vector_product": flat(trpo.fisher_vector_product(P, gamma, mu, theta, theta_new)),
            "trpo.step": flat(trpo.step(P, R, gamma, mu, theta, Fraction(1, 50))),
            "trpo.line_search": flat(
                trpo.line_search(P, R, gamma, mu, theta, Fraction(1, 50), Fraction(1, 2), 8)
            ),
            "trpo.conjugate_gradient": flat(
                trpo.conjugate_gradient(P, R, gamma, mu, theta, 3, Fraction(1, 10))
            ),
        }
    for formula_id, values in fine.items():
        result = evaluate(formula_id, inst, dps=20)
        got = result.value if isinstance(result.value, list) else [result.value]
        got = flat(got) if got and isinstance(got[0], list) else got
        with mp.workdps(150):
            assert all(abs(mp.mpf(a) - b) <= result.error_bound for a, b in zip(got, values, strict=True)), (
                formula_id
            )
