"""Properties of the PPO section (lecture eqs 30-32) at 40+ digits: the ratio and its erratum,
both lines of eq 30, V^clip <= the surrogate with equality inside the clip interval, the flat
region, the gradient against high-precision finite differences, the batch form against the
tabular form, hand-worked values, and the oracle's error bounds."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from mpmath import iv, mp

from rlspec import spec
from rlspec.oracle.certificates import ppo as certificates
from rlspec.oracle.evaluate import arguments, compute, evaluate, leaves, resolve
from rlspec.oracle.families import batch
from rlspec.oracle.instance import Instance, from_mapping
from rlspec.reference import mdp, ppo
from rlspec.reference.numbers import to_mpf
from tests.strategies_ppo import batch_instances, ppo_instances

DPS = 40
TINY = to_mpf(10) ** -30  # far above 40-digit rounding, far below any real discrepancy


def args_of(formula_id: str, instance: Instance) -> list[Any]:
    return arguments(spec.formula(formula_id), instance)


def tabular(instance: Instance) -> tuple[Any, ...]:
    """P, R, gamma, mu, theta, theta_new, epsilon, exact."""
    return tuple(args_of("ppo.clip_objective", instance))


def scale_of(instance: Instance) -> Any:
    """|R| / (1 - gamma) (>= |A|/2): the size of the values involved."""
    r = max((abs(x) for x in leaves(instance.data["R"])), default=Fraction(0))
    return to_mpf(1 + r) / (1 - to_mpf(instance.data["gamma"]))


def log_policy(theta: Any) -> list[list[Any]]:
    return [[mp.log(p) for p in row] for row in mdp.policy(theta)]


# ---- eq 31's ratio, and the erratum ----------------------------------------------------------


@given(ppo_instances())
def test_ratio_erratum(instance: Instance) -> None:
    """The ratio is pi_theta / pi_{theta_t} (two routes), r(theta_t) = 1 and E_{pi_t}[r] = 1.
    As printed (pi_theta / pi_theta = 1), V^clip would be E_{d_t} E_{pi_t}[A^{pi_t}] = 0 for
    every theta, while the meant V^clip has gradient (1 - gamma) grad V^{pi}(mu) at theta_t."""
    P, R, gamma, mu, theta, theta_new, eps = tabular(instance)
    with mp.workdps(DPS):
        r = ppo.ratio(theta, theta_new)
        old, new = mdp.policy(theta), mdp.policy(theta_new)
        for s, row in enumerate(r):
            assert abs(mp.fsum(old[s][a] * x for a, x in enumerate(row)) - 1) < TINY
            for a, x in enumerate(row):
                assert abs(x - new[s][a] / old[s][a]) < TINY * x
        assert all(abs(x - 1) < TINY for x in leaves(ppo.ratio(theta, theta)))
        d, adv = mdp.visitation(P, gamma, mu, theta), mdp.advantage(P, R, gamma, theta)
        printed = mp.fsum(d[s] * old[s][a] * adv[s][a] for s in range(len(d)) for a in range(len(adv[s])))
        assert abs(printed) < TINY * scale_of(instance)
        assert abs(ppo.clip_objective(P, R, gamma, mu, theta, theta, eps)) < TINY * scale_of(instance)


@given(ppo_instances(steps=(0.3,)))
@settings(max_examples=8)
def test_clip_gradient_at_theta_t_is_the_policy_gradient(instance: Instance) -> None:
    """At theta_new = theta_t every ratio is 1, inside the interval: grad V^clip = grad L =
    (1 - gamma) grad V^{pi_theta}(mu), checked against central differences of V^{pi_theta}(mu)."""
    P, R, gamma, mu, theta, _, eps = tabular(instance)
    with mp.workdps(DPS + 20):
        grad = ppo.clip_gradient(P, R, gamma, mu, theta, theta, eps)
        h = to_mpf(10) ** -25
        for s, row in enumerate(theta):
            for a in range(len(row)):
                plus = [
                    [to_mpf(x) + (h if (i, j) == (s, a) else 0) for j, x in enumerate(r)]
                    for i, r in enumerate(theta)
                ]
                minus = [
                    [to_mpf(x) - (h if (i, j) == (s, a) else 0) for j, x in enumerate(r)]
                    for i, r in enumerate(theta)
                ]
                fd = (mdp.objective(P, R, gamma, mu, plus) - mdp.objective(P, R, gamma, mu, minus)) / (2 * h)
                assert abs(grad[s][a] - (1 - to_mpf(gamma)) * fd) < TINY * scale_of(instance)


# ---- eq 30 --------------------------------------------------------------------------------------


@given(ppo_instances())
def test_surrogate_two_lines_of_eq_30_agree(instance: Instance) -> None:
    """E_{d_t} E_{a ~ pi_theta}[A^{pi_t}] (first line) = E_{d_t} E_{a ~ pi_t}[r A^{pi_t}] (second
    line, ppo.surrogate): the importance weight has pi_{theta_t} in its denominator."""
    P, R, gamma, mu, theta, theta_new, _ = tabular(instance)
    with mp.workdps(DPS):
        d, adv, new = (
            mdp.visitation(P, gamma, mu, theta),
            mdp.advantage(P, R, gamma, theta),
            mdp.policy(theta_new),
        )
        first = mp.fsum(d[s] * new[s][a] * adv[s][a] for s in range(len(d)) for a in range(len(adv[s])))
        assert abs(ppo.surrogate(P, R, gamma, mu, theta, theta_new) - first) < TINY * scale_of(instance)


@given(ppo_instances())
def test_surrogate_is_affine_image_of_v_t(instance: Instance) -> None:
    """(1 - gamma) (V_t(theta) - V^{pi_t}(mu)) = ppo.surrogate, V_t of eq 24 (trpo.surrogate when
    it is registered, else V_t from its definition): eq 30's "proportional to"."""
    P, R, gamma, mu, theta, theta_new, _ = tabular(instance)
    g = Fraction(gamma)
    with mp.workdps(DPS):
        if "trpo.surrogate" in {f.id for f in spec.formulas()}:
            f = spec.formula("trpo.surrogate")
            v_t = compute(f, arguments(f, instance), DPS)
        else:
            d, adv, new = (
                mdp.visitation(P, gamma, mu, theta),
                mdp.advantage(P, R, gamma, theta),
                mdp.policy(theta_new),
            )
            expectation = mp.fsum(
                d[s] * new[s][a] * adv[s][a] for s in range(len(d)) for a in range(len(adv[s]))
            )
            v_t = mdp.objective(P, R, gamma, mu, theta) + expectation / (1 - to_mpf(g))
        lhs = (1 - to_mpf(g)) * (v_t - mdp.objective(P, R, gamma, mu, theta))
        assert abs(lhs - ppo.surrogate(P, R, gamma, mu, theta, theta_new)) < TINY * scale_of(instance)


# ---- eq 31: the clipped objective ---------------------------------------------------------------


@given(ppo_instances())
def test_clip_objective_is_a_lower_bound_of_the_surrogate(instance: Instance) -> None:
    """V^clip <= L, strictly when some visited (s, a) with A != 0 has its clipped branch strictly
    selected."""
    P, R, gamma, mu, theta, theta_new, eps = tabular(instance)
    with mp.workdps(DPS):
        clipped = ppo.clip_objective(P, R, gamma, mu, theta, theta_new, eps)
        surrogate = ppo.surrogate(P, R, gamma, mu, theta, theta_new)
        assert clipped <= surrogate + TINY * scale_of(instance)
        d, adv, old = (
            mdp.visitation(P, gamma, mu, theta),
            mdp.advantage(P, R, gamma, theta),
            mdp.policy(theta),
        )
        r = ppo.ratio(theta, theta_new)
        gap = mp.fsum(
            d[s] * old[s][a] * (r[s][a] - (1 + to_mpf(eps) if r[s][a] > 1 else 1 - to_mpf(eps))) * adv[s][a]
            for s in range(len(d))
            for a in range(len(r[s]))
            if not ppo.unclipped_selected(r[s][a], adv[s][a], to_mpf(eps))
        )
        event("strict" if gap > TINY * scale_of(instance) else "equal")
        # The gap L - V^clip is exactly the sum over strictly clipped terms of (r - clip(r)) A > 0.
        assert abs((surrogate - clipped) - gap) < TINY * scale_of(instance)


@given(ppo_instances(steps=(0.01,)))
def test_clip_objective_equals_surrogate_inside_the_interval(instance: Instance) -> None:
    """Every ratio in [1 - eps, 1 + eps] => V^clip = L (and their gradients agree)."""
    P, R, gamma, mu, theta, theta_new, eps = tabular(instance)
    with mp.workdps(DPS):
        r = ppo.ratio(theta, theta_new)
        assume(all(1 - to_mpf(eps) <= x <= 1 + to_mpf(eps) for x in leaves(r)))
        clipped = ppo.clip_objective(P, R, gamma, mu, theta, theta_new, eps)
        assert abs(clipped - ppo.surrogate(P, R, gamma, mu, theta, theta_new)) < TINY * scale_of(instance)
        # with an epsilon so large that nothing can be clipped, the gradients agree as well
        big = 1 + max(leaves(r))
        for x, y in zip(
            leaves(ppo.clip_gradient(P, R, gamma, mu, theta, theta_new, eps)),
            leaves(ppo.clip_gradient(P, R, gamma, mu, theta, theta_new, big)),
            strict=True,
        ):
            assert abs(x - y) < TINY * scale_of(instance)


def _perturbed(theta_new: Any, s: int, a: int, h: Any) -> list[list[Any]]:
    return [
        [to_mpf(x) + (h if (i, j) == (s, a) else 0) for j, x in enumerate(row)]
        for i, row in enumerate(theta_new)
    ]


@given(ppo_instances(steps=(1.0, 3.0, 0.3)))
@settings(max_examples=10)
def test_clip_gradient_matches_finite_differences(instance: Instance) -> None:
    """grad V^clip = central differences of V^clip in theta_new (step 1e-25 at 70 digits), away
    from the kinks r = 1 +- eps."""
    P, R, gamma, mu, theta, theta_new, eps = tabular(instance)
    with mp.workdps(DPS + 30):
        r = ppo.ratio(theta, theta_new)
        e = to_mpf(eps)
        assume(all(abs(x - (1 + e)) > 1e-15 and abs(x - (1 - e)) > 1e-15 for x in leaves(r)))
        grad = ppo.clip_gradient(P, R, gamma, mu, theta, theta_new, eps)
        h = to_mpf(10) ** -25
        for s, row in enumerate(theta_new):
            for a in range(len(row)):
                up = ppo.clip_objective(P, R, gamma, mu, theta, _perturbed(theta_new, s, a, h), eps)
                down = ppo.clip_objective(P, R, gamma, mu, theta, _perturbed(theta_new, s, a, -h), eps)
                assert abs(grad[s][a] - (up - down) / (2 * h)) < TINY * scale_of(instance)


@given(ppo_instances(steps=(3.0, 1.0)), st.sampled_from((to_mpf(3), to_mpf(6))))
@settings(max_examples=10)
def test_gradient_is_zero_in_the_flat_region(instance: Instance, push: Any) -> None:
    """theta_new = theta_t + c sign(A^{pi_t}): in each state where every action with A != 0 has
    its clipped branch strictly selected, V^clip does not move when theta_new[s] moves
    (central differences are 0) and ppo.clip_gradient[s] is 0: the lecture's flat region."""
    P, R, gamma, mu, theta, _, eps = tabular(instance)
    with mp.workdps(DPS + 30):
        adv = mdp.advantage(P, R, gamma, theta)
        theta_new = [
            [to_mpf(x) + push * mp.sign(adv[s][a]) for a, x in enumerate(row)] for s, row in enumerate(theta)
        ]
        r = ppo.ratio(theta, theta_new)
        e = to_mpf(eps)
        flat = [
            s
            for s in range(len(r))
            if not any(
                ppo.unclipped_selected(r[s][a], adv[s][a], e) and adv[s][a] != 0 for a in range(len(r[s]))
            )
        ]
        event(f"flat states: {len(flat)} of {len(r)}")
        grad = ppo.clip_gradient(P, R, gamma, mu, theta, theta_new, eps)
        h = to_mpf(10) ** -25
        for s in flat:
            for a in range(len(r[s])):
                assert grad[s][a] == 0
                up = ppo.clip_objective(P, R, gamma, mu, theta, _perturbed(theta_new, s, a, h), eps)
                down = ppo.clip_objective(P, R, gamma, mu, theta, _perturbed(theta_new, s, a, -h), eps)
                assert abs(up - down) / (2 * h) < TINY * scale_of(instance)


def test_hand_worked_two_actions() -> None:
    """One state, two actions, gamma = 0, r(s, a) = +1 / -1, theta_t = (0, 0): A = (1, -1), d = 1.
    theta_new = (c, -c) gives r = (1 + t, 1 - t), t = tanh(c), L = t, V^clip = min(t, eps),
    grad V^clip = (1 - t^2)/2 (1, -1) while t < eps, and 0 once t > eps (flat region)."""
    base = {
        "family": "tabular",
        "gamma": 0,
        "mu": [1],
        "P": [[[1], [1]]],
        "R": [[[1], [-1]]],
        "theta": [[0, 0]],
    }
    eps = Fraction(1, 5)
    for c, inside in ((Fraction(1, 10), True), (Fraction(1, 1), False)):
        inst = from_mapping({**base, "params": {"theta_new": [[c, -c]], "epsilon": eps}})
        P, R, gamma, mu, theta, theta_new, e = tabular(inst)
        with mp.workdps(DPS):
            t = mp.tanh(to_mpf(c))
            r = ppo.ratio(theta, theta_new)
            assert abs(r[0][0] - (1 + t)) < TINY and abs(r[0][1] - (1 - t)) < TINY
            assert abs(ppo.surrogate(P, R, gamma, mu, theta, theta_new) - t) < TINY
            expected = t if inside else to_mpf(eps)
            assert abs(ppo.clip_objective(P, R, gamma, mu, theta, theta_new, e) - expected) < TINY
            slope = (1 - t**2) / 2 if inside else mp.zero
            grad = ppo.clip_gradient(P, R, gamma, mu, theta, theta_new, e)
            assert abs(grad[0][0] - slope) < TINY and abs(grad[0][1] + slope) < TINY


def test_kink_convention() -> None:
    """At r = 1 + eps exactly (eps = 0, r = 1) the unclipped branch is used (slope A), as the
    registry documents; just past the kink with A > 0 the slope is 0."""
    with mp.workdps(DPS):
        one = mp.one
        assert ppo.unclipped_selected(one, one, mp.zero)
        assert ppo.unclipped_selected(one + to_mpf("0.2"), one, to_mpf("0.2"))
        assert ppo.unclipped_selected(one - to_mpf("0.2"), -one, to_mpf("0.2"))
        assert not ppo.unclipped_selected(one + to_mpf("0.2") + mp.eps * 4, one, to_mpf("0.2"))
        assert not ppo.unclipped_selected(one - to_mpf("0.2") - mp.eps * 4, -one, to_mpf("0.2"))
        grad = ppo.clip_gradient_batch([0], [0], [3], 0)
        assert grad == [3]


# ---- eq 32 ------------------------------------------------------------------------------------


def test_clip_cases() -> None:
    """clip(r, 1 - eps, 1 + eps) case by case (eq 32), and single-sample batch objectives
    computed by hand: min(r A, clip(r) A)."""
    with mp.workdps(DPS):
        lo, hi = to_mpf("0.8"), to_mpf("1.2")
        assert ppo.clip(to_mpf("1.5"), lo, hi) == hi
        assert ppo.clip(to_mpf("1.2"), lo, hi) == hi
        assert ppo.clip(to_mpf("1.1"), lo, hi) == to_mpf("1.1")
        assert ppo.clip(to_mpf("0.8"), lo, hi) == lo
        assert ppo.clip(to_mpf("0.5"), lo, hi) == lo
        eps = Fraction(1, 5)
        for log_r, adv, expected in (
            (mp.log(to_mpf("1.5")), 2, to_mpf("2.4")),  # r > 1 + eps, A > 0: clipped, 1.2 * 2
            (mp.log(to_mpf("1.5")), -2, to_mpf("-3")),  # r > 1 + eps, A < 0: unclipped, 1.5 * -2
            (mp.log(to_mpf("0.5")), 2, to_mpf("1")),  # r < 1 - eps, A > 0: unclipped, 0.5 * 2
            (mp.log(to_mpf("0.5")), -2, to_mpf("-1.6")),  # r < 1 - eps, A < 0: clipped, 0.8 * -2
            (mp.log(to_mpf("1.1")), 3, to_mpf("3.3")),  # inside: r A
        ):
            assert abs(ppo.clip_objective_batch([log_r], [0], [adv], eps) - expected) < TINY


# ---- the batch forms --------------------------------------------------------------------------


@given(ppo_instances())
@settings(max_examples=10)
def test_batch_form_equals_tabular_form(instance: Instance) -> None:
    """A batch enumerating every (s, a) with logp = log pi, and advantage N d(s) pi_t(a|s) A(s, a)
    (the weight folded in: min(r wA, clip(r) wA) = w min(rA, clip(r) A) for w >= 0) gives
    V^clip; its gradient in logp_new, chained through d log pi_new(a|s) / d theta_new[s][b] =
    1[a = b] - pi_new(b|s), gives ppo.clip_gradient."""
    P, R, gamma, mu, theta, theta_new, eps = tabular(instance)
    with mp.workdps(DPS):
        d, adv = mdp.visitation(P, gamma, mu, theta), mdp.advantage(P, R, gamma, theta)
        old, new = mdp.policy(theta), mdp.policy(theta_new)
        log_old, log_new = log_policy(theta), log_policy(theta_new)
        pairs = [(s, a) for s in range(len(d)) for a in range(len(adv[s]))]
        n = len(pairs)
        weighted = [n * d[s] * old[s][a] * adv[s][a] for s, a in pairs]
        lp_new, lp_old = [log_new[s][a] for s, a in pairs], [log_old[s][a] for s, a in pairs]
        value = ppo.clip_objective_batch(lp_new, lp_old, weighted, eps)
        assert abs(value - ppo.clip_objective(P, R, gamma, mu, theta, theta_new, eps)) < TINY * scale_of(
            instance
        )
        g = ppo.clip_gradient_batch(lp_new, lp_old, weighted, eps)
        tab = ppo.clip_gradient(P, R, gamma, mu, theta, theta_new, eps)
        for s, b in pairs:
            chained = mp.fsum(
                g[i] * ((1 if a == b else 0) - new[s][b]) for i, (s2, a) in enumerate(pairs) if s2 == s
            )
            assert abs(chained - tab[s][b]) < TINY * scale_of(instance)


@given(batch_instances())
def test_batch_gradient_matches_finite_differences(instance: Instance) -> None:
    """ppo.clip_gradient_batch = central differences of the batch objective in each logp_new_i
    (0 exactly where the clipped branch is strictly selected), away from the kinks."""
    logp_new, logp_old, adv, eps = args_of("ppo.clip_objective_batch", instance)
    with mp.workdps(DPS + 30):
        r = ppo.batch_ratio(logp_new, logp_old)
        e = to_mpf(eps)
        assume(all(abs(x - (1 + e)) > 1e-15 and abs(x - (1 - e)) > 1e-15 for x in r))
        grad = ppo.clip_gradient_batch(logp_new, logp_old, adv, eps)
        h = to_mpf(10) ** -25
        size = max(1, *(abs(to_mpf(a)) for a in adv)) * max(r)
        for i in range(len(adv)):
            up = [to_mpf(x) + (h if j == i else 0) for j, x in enumerate(logp_new)]
            down = [to_mpf(x) - (h if j == i else 0) for j, x in enumerate(logp_new)]
            fd = (
                ppo.clip_objective_batch(up, logp_old, adv, eps)
                - ppo.clip_objective_batch(down, logp_old, adv, eps)
            ) / (2 * h)
            assert abs(grad[i] - fd) < TINY * size
            if not ppo.unclipped_selected(r[i], to_mpf(adv[i]), e):
                assert grad[i] == 0 and abs(fd) < TINY * size


@given(batch_instances())
def test_batch_objective_lower_bound_and_second_route(instance: Instance) -> None:
    """Batch V^clip <= the unclipped mean of r A, equal when every r_i is in [1 - eps, 1 + eps];
    and min(rA, clip(r)A) = -max(-rA, -clip(r)A) term by term (the loss-sign convention)."""
    logp_new, logp_old, adv, eps = args_of("ppo.clip_objective_batch", instance)
    with mp.workdps(DPS):
        r = ppo.batch_ratio(logp_new, logp_old)
        e = to_mpf(eps)
        a = [to_mpf(x) for x in adv]
        size = max(1, *(abs(x) for x in a)) * max(r)
        value = ppo.clip_objective_batch(logp_new, logp_old, adv, eps)
        unclipped = mp.fsum(ri * ai for ri, ai in zip(r, a, strict=True)) / len(a)
        assert value <= unclipped + TINY * size
        if all(1 - e <= x <= 1 + e for x in r):
            assert abs(value - unclipped) < TINY * size
        as_loss = mp.fsum(
            max(-ri * ai, -min(max(ri, 1 - e), 1 + e) * ai) for ri, ai in zip(r, a, strict=True)
        )
        assert abs(value + as_loss / len(a)) < TINY * size


# ---- the batch family's sampler and the oracle's bounds ---------------------------------------


def test_batch_sampler_log_prob_near() -> None:
    """The batch family's "log_prob_near:logp_old" domain: logp_old sampled first when missing,
    logp_new = logp_old + 0.3 N(0, 1) with some entries equal; deterministic in the seed."""
    raw: dict[str, Any] = {"family": "batch", "params": {}}
    value = batch.sample_param(np.random.default_rng(7), "log_prob_near:logp_old", (64,), raw)
    old = np.asarray(raw["params"]["logp_old"])
    assert old.shape == (64,) and np.all(old < 0)
    diff = np.asarray(value) - old
    assert 0 < np.sum(diff == 0) < 64 and np.max(np.abs(diff)) < 3.0
    again: dict[str, Any] = {"family": "batch", "params": {}}
    assert np.array_equal(
        batch.sample_param(np.random.default_rng(7), "log_prob_near:logp_old", (64,), again), value
    )
    assert batch.sample_param(np.random.default_rng(7), "real", (3,), raw) is None


PPO_IDS = tuple(f.id for f in spec.formulas() if f.id.startswith("ppo."))


@pytest.mark.parametrize("formula_id", PPO_IDS)
@given(data=st.data())
@settings(max_examples=3)
def test_oracle_bound_holds(formula_id: str, data: st.DataObject) -> None:
    """The oracle's printed bound (at 20 digits) contains the value recomputed at 60 digits."""
    f = spec.formula(formula_id)
    instance = data.draw(batch_instances() if f.family == "batch" else ppo_instances(max_states=3))
    result = evaluate(formula_id, instance, dps=20)
    printed = result.to_json()
    truth = compute(f, arguments(f, instance), 60)
    bound = to_mpf(printed["error_bound"])
    with mp.workdps(60):
        for shown, exact_value in zip(leaves(printed["value"]), leaves(truth), strict=True):
            assert abs(to_mpf(shown) - exact_value) <= bound


@pytest.mark.parametrize("formula_id", PPO_IDS)
@given(data=st.data())
@settings(max_examples=4)
def test_certificate_encloses_the_value_and_catches_a_wrong_one(formula_id: str, data: st.DataObject) -> None:
    """The certified bound (at 60 digits) contains |value - truth| (truth at 100 digits), is
    tight (< 1e-25), and a value off by 1e-12 gets a bound of at least that."""
    f = spec.formula(formula_id)
    assert f.bound == "certified" and f.certificate is not None
    instance = data.draw(batch_instances() if f.family == "batch" else ppo_instances(max_states=3))
    args = arguments(f, instance)
    value = compute(f, args, 30)
    truth = compute(f, args, 100)
    certify = resolve(f.certificate)
    with mp.workdps(60):
        bound = certify(*args, value=value)
        assert bound >= max(abs(to_mpf(x) - y) for x, y in zip(leaves(value), leaves(truth), strict=True))
        assert bound < to_mpf(10) ** -25
        shift = to_mpf(10) ** -12
        wrong = _shifted(value, shift)
        assert certify(*args, value=wrong) >= shift * (1 - to_mpf(10) ** -6)


def _shifted(value: Any, shift: Any) -> Any:
    if isinstance(value, list):
        return [_shifted(v, shift) for v in value]
    return value + shift


def test_certificate_slope_hull_at_an_undecidable_kink() -> None:
    """Where the ratio's enclosure straddles the kink 1 + eps (A > 0), the slope's enclosure is
    the hull of both branches, [0, A]; decidable cases give 0 or A (on the kink itself, A)."""
    with mp.workdps(50), certificates._interval_precision():
        eps, adv, kink = iv.mpf(0.25), iv.mpf(2), iv.mpf(1.25)
        near = kink + iv.mpf([-(to_mpf(10) ** -30), to_mpf(10) ** -30])
        hull = certificates._slope(near, adv, eps)
        assert to_mpf(hull.a) == 0 and to_mpf(hull.b) == 2
        assert to_mpf(certificates._slope(iv.mpf(2), adv, eps).b) == 0  # r > 1 + eps, A > 0: clipped
        assert to_mpf(certificates._slope(iv.mpf(2), -adv, eps).a) == -2  # r > 1 + eps, A < 0: unclipped
        on_kink = certificates._slope(kink, adv, eps)
        assert to_mpf(on_kink.a) == 2 and to_mpf(on_kink.b) == 2


def test_kink_convention_matches_torch_autograd() -> None:
    """The registry's kink convention is what PyTorch's autograd returns for the clipped
    objective written min(r A, clamp(r) A) and for the loss max(-r A, -clamp(r) A): slope A on
    the kinks, 0 past them where the clipped branch is selected (skipped if torch is absent)."""
    torch = pytest.importorskip("torch")
    eps = 0.25
    for r0, adv in (
        (1.25, 2.0),
        (0.75, -2.0),
        (1.25, -2.0),
        (0.75, 2.0),
        (1.5, 2.0),
        (1.5, -2.0),
        (0.5, -2.0),
    ):
        r = torch.tensor(r0, dtype=torch.float64, requires_grad=True)
        a = torch.tensor(adv, dtype=torch.float64)
        torch.min(r * a, torch.clamp(r, 1 - eps, 1 + eps) * a).backward()
        loss_r = torch.tensor(r0, dtype=torch.float64, requires_grad=True)
        torch.max(-loss_r * a, -torch.clamp(loss_r, 1 - eps, 1 + eps) * a).backward()
        with mp.workdps(DPS):
            expected = adv if ppo.unclipped_selected(*(to_mpf(Fraction(x)) for x in (r0, adv, eps))) else 0.0
        assert r.grad.item() == expected and loss_r.grad.item() == -expected


def test_clip_objective_is_not_a_lower_bound_of_the_true_improvement() -> None:
    """The lecture's "min ensures V_t^clip provides a lower bound" is a bound on the surrogate L
    (the PPO paper's "pessimistic bound on the unclipped objective"), not on the true improvement
    (1 - gamma) (V^{pi_theta}(mu) - V^{pi_t}(mu)): on this 2-state instance (found by search,
    rounded to short decimals) V^clip = -0.0528 <= L = -0.0468 but V^clip > -0.0757, the true one."""
    hundredths = [
        [["78/100", "22/100"], ["94/100", "6/100"]],
        [["6/100", "94/100"], ["47/100", "53/100"]],
    ]
    raw = {
        "family": "tabular",
        "gamma": "9/10",
        "mu": ["1/25", "24/25"],
        "P": hundredths,
        "R": [[["8/100", "-34/100"], ["58/100", "-39/100"]], [["-9/100", "-73/100"], ["-19/100", "-59/100"]]],
        "theta": [["-26/100", "1/100"], ["-28/100", "129/100"]],
        "params": {"theta_new": [["9/100", "83/100"], ["5/100", "-1/100"]], "epsilon": "1/5"},
    }
    P, R, gamma, mu, theta, theta_new, eps = tabular(from_mapping(raw))
    with mp.workdps(DPS):
        clipped = ppo.clip_objective(P, R, gamma, mu, theta, theta_new, eps)
        surrogate = ppo.surrogate(P, R, gamma, mu, theta, theta_new)
        improvement = (1 - to_mpf(gamma)) * (
            mdp.objective(P, R, gamma, mu, theta_new) - mdp.objective(P, R, gamma, mu, theta)
        )
        assert clipped <= surrogate
        assert clipped > improvement + to_mpf("0.02")
        assert abs(clipped - to_mpf("-0.0528212192445571085028596560376")) < to_mpf(10) ** -25
