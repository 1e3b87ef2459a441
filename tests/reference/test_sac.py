"""Property tests of reference/sac.py (lecture: "Soft Actor Critic (SAC)", eq. 64) at 40 digits.

Every value is checked against a second, independent route: exact rational arithmetic, a
Gauss-Hermite rule that is exact for the polynomial integrands of the Gaussian policy,
quadrature in action space with the density obtained from the CDF, finite differences of the
exact objective, or a direct high-precision evaluation of the naive formula.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mpmath import mp

from rlspec.conformance_tests import conventions
from rlspec.oracle.errors import InstanceError
from rlspec.oracle.evaluate import arguments, compute, evaluate
from rlspec.oracle.families import gaussian_policy
from rlspec.oracle.instance import Instance, from_mapping
from rlspec.reference import sac
from rlspec.reference.numbers import to_mpf
from tests.strategies_sac import binary64, gaussian_policy_instances, q_target_batches, temperature_batches

DPS = 40


def close(got: Any, want: Any, digits: int = DPS - 4) -> bool:
    return bool(abs(got - want) <= mp.mpf(10) ** (-digits) * (1 + abs(want)))


def args_of(formula_id: str, instance: Instance) -> list[Any]:
    from rlspec import spec

    return arguments(spec.formula(formula_id), instance)


# ---- sac.q_target ---------------------------------------------------------------------------


@given(q_target_batches())
def test_q_target_is_exact_rational_backup(batch: dict[str, Any]) -> None:
    """y = r + gamma (1 - d) (min(Q1', Q2') - alpha log pi), against exact rational arithmetic."""
    with mp.workdps(DPS):
        got = sac.q_target(**batch)
        g, lam = batch["gamma"], batch["alpha"]
        for i, y in enumerate(got):
            soft = min(batch["q1_next"][i], batch["q2_next"][i]) - lam * batch["logp_next"][i]
            want = batch["r"][i] + g * (1 - batch["done"][i]) * soft
            assert close(y, to_mpf(want), DPS - 2)


@given(q_target_batches())
def test_q_target_entropy_term_sits_inside_the_done_mask(batch: dict[str, Any]) -> None:
    """At a terminal transition y = r whatever the temperature and log-probability; otherwise
    dy/dalpha = -gamma log pi(a'|s')."""
    with mp.workdps(DPS):
        base = sac.q_target(**batch)
        hotter = sac.q_target(**{**batch, "alpha": batch["alpha"] + 1})
        for i, (y0, y1) in enumerate(zip(base, hotter, strict=True)):
            if batch["done"][i] == 1:
                assert y0 == to_mpf(batch["r"][i]) and y1 == y0
            else:
                assert close(y1 - y0, -to_mpf(batch["gamma"] * batch["logp_next"][i]), DPS - 6)


@given(q_target_batches())
def test_q_target_takes_the_smaller_twin_critic(batch: dict[str, Any]) -> None:
    """Symmetric in the two critics and never above the target of either critic alone."""
    with mp.workdps(DPS):
        y = sac.q_target(**batch)
        swapped = sac.q_target(**{**batch, "q1_next": batch["q2_next"], "q2_next": batch["q1_next"]})
        only1 = sac.q_target(**{**batch, "q2_next": batch["q1_next"]})
        only2 = sac.q_target(**{**batch, "q1_next": batch["q2_next"]})
        for a, b, c, d in zip(y, swapped, only1, only2, strict=True):
            assert a == b and a == min(c, d)


def test_q_target_hand_value() -> None:
    """r = 1, d = 0, gamma = 1/2, Q' = (3, 2), log pi = -1, alpha = 1/10: 1 + (2 + 0.1)/2 = 2.05;
    the same with d = 1: 1."""
    with mp.workdps(DPS):
        y = sac.q_target([1, 1], [0, 1], Fraction(1, 2), [3, 3], [2, 2], [-1, -1], Fraction(1, 10))
        assert close(y[0], mp.mpf("2.05")) and y[1] == 1


# ---- sac.tanh_gaussian_log_prob ---------------------------------------------------------------


def test_log_prob_hand_value() -> None:
    """u = mean = 0, std = 1: log N(0; 0, 1) - log(scale * 1) = -log(2 pi)/2 - log(scale)."""
    with mp.workdps(DPS):
        (one,) = sac.tanh_gaussian_log_prob([[0]], [[0]], [[0]], [1])
        assert close(one, -mp.log(2 * mp.pi) / 2)
        (two,) = sac.tanh_gaussian_log_prob([[0, 0]], [[0, 0]], [[0, 0]], [1, 2])
        assert close(two, -mp.log(2 * mp.pi) - mp.log(2))


def _density_of_a(a: Any, mean: Any, std: Any, scale: Any, bias: Any) -> Any:
    """p(a) = d/da P(scale tanh(U) + bias <= a) = d/da Phi((atanh((a - bias)/scale) - mean)/std)."""
    cdf = lambda x: mp.ncdf((mp.atanh((x - bias) / scale) - mean) / std)  # noqa: E731
    return mp.diff(cdf, a)


moderate = st.tuples(binary64(-2, 2), binary64(-1, 0.7), binary64(0.25, 4), binary64(-2, 2))


@settings(max_examples=6)
@given(moderate)
def test_log_prob_integrates_to_one_over_the_action_box(p: tuple[Fraction, ...]) -> None:
    """int over (bias - scale, bias + scale) of exp(log pi(a)) da = 1, with u = atanh((a - bias)/scale)."""
    mean, log_std, scale, bias = p
    with mp.workdps(DPS):
        k, beta = to_mpf(scale), to_mpf(bias)

        def density(a: Any) -> Any:
            u = mp.atanh((a - beta) / k)
            (logp,) = sac.tanh_gaussian_log_prob([[u]], [[mean]], [[log_std]], [scale])
            return mp.exp(logp)

        total = mp.quad(density, [beta - k, beta, beta + k])
        assert close(total, mp.one, DPS - 8)


@given(moderate, binary64(-0.95, 0.95))
def test_log_prob_is_the_density_of_a_by_change_of_variables(p: tuple[Fraction, ...], x: Fraction) -> None:
    """exp(log pi) at a = scale tanh(u) + bias equals the derivative of the CDF of a."""
    mean, log_std, scale, bias = p
    with mp.workdps(DPS):
        k, beta = to_mpf(scale), to_mpf(bias)
        a = beta + k * to_mpf(x)
        u = mp.atanh(to_mpf(x))
        (logp,) = sac.tanh_gaussian_log_prob([[u]], [[mean]], [[log_std]], [scale])
        with mp.workdps(2 * DPS):
            want = _density_of_a(a, to_mpf(mean), mp.exp(to_mpf(log_std)), k, beta)
        assert close(mp.exp(logp), want, DPS - 6)


@settings(max_examples=8)
@given(
    st.lists(
        st.tuples(binary64(-3, 3), binary64(-2, 1), binary64(-3, 3), binary64(0.1, 5)), min_size=2, max_size=3
    )
)
def test_log_prob_is_summed_over_action_dimensions(rows: list[tuple[Fraction, ...]]) -> None:
    """The log-density of independent dimensions is the sum of the one-dimensional ones."""
    u, mean, log_std, scale = (list(col) for col in zip(*rows, strict=True))
    with mp.workdps(DPS):
        (joint,) = sac.tanh_gaussian_log_prob([u], [mean], [log_std], scale)
        parts = [sac.tanh_gaussian_log_prob([[x]], [[m]], [[s]], [k])[0] for x, m, s, k in rows]
        assert close(joint, mp.fsum(parts))


@pytest.mark.parametrize("u", [20, -20, Fraction(39, 2), -50, 300, Fraction(1, 10**6)])
def test_log_prob_is_stable_for_saturated_u(u: Any) -> None:
    """At |u| = 20 tanh(u) = 1 in binary64; the stable form agrees with the naive
    log(1 - tanh(u)^2) evaluated with enough digits for the cancellation (and with -2 log cosh u)."""
    with mp.workdps(DPS):
        (got,) = sac.tanh_gaussian_log_prob([[u]], [[0]], [[0]], [1])
        with mp.workdps(DPS + 300):
            x = to_mpf(u)
            naive = -x * x / 2 - mp.log(2 * mp.pi) / 2 - mp.log(1 - mp.tanh(x) ** 2)
            cosh = -x * x / 2 - mp.log(2 * mp.pi) / 2 + 2 * mp.log(mp.cosh(x))
        assert mp.isfinite(got) and close(got, naive) and close(got, cosh)


# ---- Gaussian policy: closed forms ----------------------------------------------------------

# probabilists' Gauss-Hermite, 3 nodes: exact for polynomials of degree <= 5 against N(0, 1)
GH3 = ((0, Fraction(2, 3)), (1, Fraction(1, 6)), (-1, Fraction(1, 6)))


def _gauss_hermite(f: Any, m: int) -> Any:
    """E_{eps ~ N(0, I_m)} f(eps) for a polynomial f of degree <= 5 in each coordinate (exact)."""
    r3 = mp.sqrt(3)
    terms = []
    for nodes in product(GH3, repeat=m):
        eps = [k * r3 for k, _ in nodes]
        w = mp.fprod(to_mpf(w) for _, w in nodes)
        terms.append(w * f(eps))
    return mp.fsum(terms)


def _quadratic_q(a: list[Any], b: Any, c: list[Any], h: list[list[Any]]) -> Any:
    d = [x - y for x, y in zip(a, c, strict=True)]
    return b - mp.fsum(d[j] * h[j][k] * d[k] for j in range(len(d)) for k in range(len(d)))


def _loss_at(eps: list[Any], mean: Any, std: Any, log_std: Any, b: Any, c: Any, h: Any, alpha: Any) -> Any:
    """alpha log pi(a~|s) - Q(s, a~) at a~ = mean + std * eps (Gaussian policy)."""
    a = [m + k * e for m, k, e in zip(mean, std, eps, strict=True)]
    logp = mp.fsum(sac.gaussian_log_density(x, m, s) for x, m, s in zip(a, mean, log_std, strict=True))
    return alpha * logp - _quadratic_q(a, b, c, h)


def _state(instance: Instance, s: int) -> tuple[Any, ...]:
    d = instance.data
    return (
        [to_mpf(x) for x in d["mean"][s]],
        [to_mpf(x) for x in d["log_std"][s]],
        to_mpf(d["b"][s]),
        [to_mpf(x) for x in d["c"][s]],
        [[to_mpf(x) for x in row] for row in d["H"][s]],
        to_mpf(instance.params["alpha"]),
    )


@given(gaussian_policy_instances(max_dims=3))
def test_gaussian_objective_is_the_expectation_over_eps(instance: Instance) -> None:
    """alpha log pi(a~) - Q(a~) is a polynomial of degree 2 in eps: a 3-node Gauss-Hermite product
    rule computes its expectation exactly; it equals the closed form."""
    with mp.workdps(DPS):
        got = sac.policy_objective(*args_of("sac.policy_objective", instance))
        for s, value in enumerate(got):
            mean, log_std, b, c, h, alpha = _state(instance, s)
            std = [mp.exp(x) for x in log_std]

            state = (mean, std, log_std, b, c, h, alpha)
            assert close(value, _gauss_hermite(lambda eps, st=state: _loss_at(eps, *st), len(mean)))


@given(gaussian_policy_instances(max_dims=3))
def test_gaussian_entropy_term_matches_the_closed_form(instance: Instance) -> None:
    """With the critic removed (H = 0, b = 0) the objective is alpha E[log pi] = -alpha H(N(mean,
    diag std^2)) = -alpha (sum_j log std_j + m (1 + log 2 pi) / 2)."""
    raw = instance.to_json()
    raw["H"] = [[[0] * len(row) for row in block] for block in raw["H"]]
    raw["b"] = [0] * len(raw["b"])
    bare = from_mapping(raw)
    with mp.workdps(DPS):
        got = sac.policy_objective(*args_of("sac.policy_objective", bare))
        for s, value in enumerate(got):
            _, log_std, _, _, _, alpha = _state(bare, s)
            entropy = mp.fsum(log_std) + len(log_std) * (1 + mp.log(2 * mp.pi)) / 2
            assert close(value, -alpha * entropy)


def _finite_difference_gradient(objective: Any, instance: Instance, formula_id: str) -> list[Any]:
    """[d/dmean, d/dlog_std] of objective(...)[0] on a one-state instance by mp.diff."""
    args = args_of(formula_id, instance)
    m = len(args[0][0])
    out = []
    for slot in (0, 1):  # mean, log_std
        row = []
        for j in range(m):

            def f(x: Any, slot: int = slot, j: int = j) -> Any:
                moved = [list(r) for r in args[slot]]
                moved[0][j] = x
                new = list(args)
                new[slot] = moved
                return objective(*new)[0]

            row.append(mp.diff(f, to_mpf(args[slot][0][j])))
        out.append(row)
    return out


@given(gaussian_policy_instances(max_states=1, max_dims=3))
def test_gaussian_reparameterized_gradient_is_the_finite_difference_gradient(instance: Instance) -> None:
    """The reparameterized gradient equals the derivative of the exact objective (mp.diff), and the
    pathwise expectation E[grad (alpha log pi(a~) - Q(a~))] by the exact Gauss-Hermite rule."""
    with mp.workdps(DPS):
        (grad,) = sac.policy_gradient(*args_of("sac.policy_gradient", instance))
        fd = _finite_difference_gradient(sac.policy_objective, instance, "sac.policy_objective")
        mean, log_std, _, c, h, alpha = _state(instance, 0)
        m = len(mean)
        std = [mp.exp(x) for x in log_std]
        for j in range(m):
            assert close(grad[0][j], fd[0][j], DPS - 8) and close(grad[1][j], fd[1][j], DPS - 8)

            def pathwise_log_std(eps: list[Any], j: int = j) -> Any:
                a = [mu + k * e for mu, k, e in zip(mean, std, eps, strict=True)]
                g = mp.fsum(h[j][k] * (a[k] - c[k]) for k in range(m))
                return -alpha + 2 * g * std[j] * eps[j]  # d/dlog_std_j: alpha (-1) - dQ/da_j std_j eps_j

            assert close(grad[1][j], _gauss_hermite(pathwise_log_std, m))


# ---- tanh-squashed policy: quadrature ---------------------------------------------------------


def _action_space_expectation(fn: Any, mean: Any, log_std: Any, scale: Any, bias: Any) -> Any:
    """E[fn(a, log p(a))] for the one-dimensional squashed policy, integrating over the action box
    with the density of a written in a (atanh route), by mpmath's tanh-sinh quadrature."""
    std = mp.exp(log_std)

    def integrand(a: Any) -> Any:
        x = (a - bias) / scale
        u = mp.atanh(x)
        logp = -(((u - mean) / std) ** 2) / 2 - log_std - mp.log(2 * mp.pi) / 2 - mp.log(scale * (1 - x * x))
        return mp.exp(logp) * fn(a, logp)

    peak = bias + scale * mp.tanh(mean)
    return mp.quad(integrand, [bias - scale, peak, bias + scale])


def _identity(a: Any, logp: Any) -> Any:
    return a


def _squashed_args(instance: Instance) -> list[Any]:
    return args_of("sac.squashed_policy_objective", instance)


one_dim = gaussian_policy_instances(max_states=1, max_dims=1, spreads=("moderate", "narrow"))


@settings(max_examples=6)
@given(one_dim)
def test_policy_objective_is_minus_one_step_soft_value(instance: Instance) -> None:
    """Eq. 64: SAC maximizes V_lambda^pi; with one step (gamma = 0) and reward Q, V_lambda^pi(s)
    = E_{a ~ pi}[Q(s, a) - lambda log pi(a|s)] is exactly minus the policy loss. Checked in action
    space (the density of a, over the action box for the squashed form; over R for the Gaussian)."""
    with mp.workdps(DPS):
        (squashed,) = sac.squashed_policy_objective(*_squashed_args(instance))
        (gaussian,) = sac.policy_objective(*args_of("sac.policy_objective", instance))
        mean, log_std, b, c, h, alpha = _state(instance, 0)
        k, beta = to_mpf(instance.data["scale"][0]), to_mpf(instance.data["bias"][0])

        def reward(a: Any) -> Any:
            return _quadratic_q([a], b, c, h)

        def soft(a: Any, logp: Any) -> Any:
            return reward(a) - alpha * logp

        soft_value = _action_space_expectation(soft, mean[0], log_std[0], k, beta)
        assert close(squashed, -soft_value, DPS - 8)
        std = mp.exp(log_std[0])

        def gaussian_soft(a: Any) -> Any:
            logp = sac.gaussian_log_density(a, mean[0], log_std[0])
            return mp.exp(logp) * (reward(a) - alpha * logp)

        value = mp.quad(gaussian_soft, [-mp.inf, mean[0] - 8 * std, mean[0], mean[0] + 8 * std, mp.inf])
        assert close(gaussian, -value, DPS - 8)


@settings(max_examples=4)
@given(
    gaussian_policy_instances(max_states=1, max_dims=2, spreads=("moderate",)).filter(
        lambda i: len(i.data["c"][0]) == 2
    )
)
def test_squashed_objective_couples_dimensions_only_through_h(instance: Instance) -> None:
    """J(H) - J(diag H) = 2 H_12 E[a_1 - c_1] E[a_2 - c_2]: the dimensions of a~ are independent.
    E[a_j] is computed in action space from the one-dimensional density."""
    raw = instance.to_json()
    h = raw["H"][0]
    raw["H"] = [[[h[0][0], 0], [0, h[1][1]]]]
    diagonal = from_mapping(raw)
    with mp.workdps(DPS):
        (full,) = sac.squashed_policy_objective(*_squashed_args(instance))
        (diag,) = sac.squashed_policy_objective(*_squashed_args(diagonal))
        mean, log_std, _, c, hh, _ = _state(instance, 0)
        centered = []
        for j in range(2):
            k, beta = to_mpf(instance.data["scale"][j]), to_mpf(instance.data["bias"][j])
            centered.append(_action_space_expectation(_identity, mean[j], log_std[j], k, beta) - c[j])
        assert close(full - diag, 2 * hh[0][1] * centered[0] * centered[1], DPS - 8)


@settings(max_examples=6)
@given(gaussian_policy_instances(max_states=1, max_dims=2))
def test_squashed_reparameterized_gradient_is_the_finite_difference_gradient(instance: Instance) -> None:
    """The reparameterized gradient (pathwise, through tanh and the log-determinant) equals the
    derivative of the exact squashed objective, including saturated (|mean| ~ 8) and wide policies."""
    with mp.workdps(DPS):
        (grad,) = sac.squashed_policy_gradient(*_squashed_args(instance))
        fd = _finite_difference_gradient(
            sac.squashed_policy_objective, instance, "sac.squashed_policy_objective"
        )
        for slot in (0, 1):
            for j, value in enumerate(grad[slot]):
                assert close(value, fd[slot][j], DPS - 8)


def test_squashed_objective_with_tiny_std_is_the_deterministic_limit() -> None:
    """std -> 0: a~ -> scale tanh(mean) + bias; J + alpha (log std + (1 + log 2 pi)/2) ->
    alpha (-log(scale (1 - tanh(mean)^2))) - Q(tanh(mean)) (a hand check of the log-det term)."""
    with mp.workdps(DPS):
        mean, scale, bias, alpha = Fraction(1, 2), Fraction(3, 2), Fraction(1, 4), Fraction(7, 10)
        log_std = -30
        (got,) = sac.squashed_policy_objective(
            [[mean]], [[log_std]], [1], [[0]], [[[2]]], [scale], [bias], alpha
        )
        t = mp.tanh(to_mpf(mean))
        a = to_mpf(scale) * t + to_mpf(bias)
        entropy = log_std + (1 + mp.log(2 * mp.pi)) / 2
        want = to_mpf(alpha) * (-entropy - mp.log(to_mpf(scale) * (1 - t * t))) - (1 - 2 * a * a)
        assert close(got, want, 20)  # O(std^2) = e^-60 ~ 1e-26 away from the limit


# ---- sac.temperature_objective / gradient ---------------------------------------------------------


def test_temperature_hand_value() -> None:
    """log_alpha = 0, logp = (-1, -3), target -1: J = -mean(-2, -4) = 3; dJ/dlog_alpha = 3."""
    with mp.workdps(DPS):
        assert close(sac.temperature_objective(0, [-1, -3], -1), mp.mpf(3))
        assert close(sac.temperature_gradient(0, [-1, -3], -1), mp.mpf(3))


@given(temperature_batches())
def test_temperature_gradient_is_the_derivative_in_log_alpha(batch: dict[str, Any]) -> None:
    """dJ/dlog_alpha by mp.diff of the objective; and alpha times dJ/dalpha (chain rule)."""
    with mp.workdps(DPS):
        grad = sac.temperature_gradient(**batch)
        logp, h = batch["logp"], batch["target_entropy"]
        fd = mp.diff(lambda la: sac.temperature_objective(la, logp, h), to_mpf(batch["log_alpha"]))
        in_alpha = mp.diff(
            lambda al: sac.temperature_objective(mp.log(al), logp, h), mp.exp(to_mpf(batch["log_alpha"]))
        )
        assert close(grad, fd, DPS - 6)
        assert close(grad, mp.exp(to_mpf(batch["log_alpha"])) * in_alpha, DPS - 6)


@given(temperature_batches())
def test_temperature_conventions_are_the_library_forms(batch: dict[str, Any]) -> None:
    """The declared conventions map the lecture's value to the library forms: the log-alpha loss
    -log_alpha mean(logp + target) and the gradient in alpha -mean(logp + target) (float64)."""
    with mp.workdps(DPS):
        value = float(sac.temperature_objective(**batch))
        grad = float(sac.temperature_gradient(**batch))
    inputs: dict[str, np.ndarray[Any, Any]] = {
        "log_alpha": np.asarray(float(batch["log_alpha"])),
        "logp": np.array([float(x) for x in batch["logp"]]),
        "target_entropy": np.asarray(float(batch["target_entropy"])),
    }
    x = sum(batch["logp"], Fraction(0)) / len(batch["logp"]) + batch["target_entropy"]
    n = len(batch["logp"])
    log_alpha_loss = float(-batch["log_alpha"] * x)
    in_alpha = float(-x)
    size = (abs(value) + abs(log_alpha_loss) + abs(in_alpha) + 1e-300) * 1e-14
    assert abs(conventions.sac_log_alpha_loss(np.asarray(float(value)), inputs) - log_alpha_loss) <= size
    assert (
        abs(conventions.sac_log_alpha_loss_sum(np.asarray(float(value)), inputs) - n * log_alpha_loss)
        <= n * size
    )
    assert abs(conventions.sac_gradient_in_alpha(np.asarray(float(grad)), inputs) - in_alpha) <= size
    assert (
        abs(conventions.sac_gradient_in_alpha_sum(np.asarray(float(grad)), inputs) - n * in_alpha) <= n * size
    )


def test_scale_jacobian_convention_adds_log_scale() -> None:
    """Without the scale's Jacobian the log-density is larger by sum_j log scale_j."""
    with mp.workdps(DPS):
        u, mean, log_std, scale = (
            [[Fraction(1, 3), -2]],
            [[0, Fraction(1, 2)]],
            [[Fraction(-1, 2), 0]],
            [2, 3],
        )
        (lecture,) = sac.tanh_gaussian_log_prob(u, mean, log_std, scale)
        (unit,) = sac.tanh_gaussian_log_prob(u, mean, log_std, [1, 1])
    got = conventions.sac_without_scale_jacobian(np.asarray(float(lecture)), {"scale": np.array([2.0, 3.0])})
    assert abs(got - float(unit)) <= 1e-14 * (1 + abs(float(unit)))


# ---- the gaussian_policy family and the oracle ---------------------------------------------------


def test_family_refuses_bad_instances() -> None:
    raw = gaussian_policy.generate(seed=3, states=1, dims=2)
    for key, value, problem in (
        ("H", [[[1.0, 0.5], [0.25, 1.0]]], "symmetric"),
        ("H", [[[1.0, 2.0], [2.0, 1.0]]], "positive semidefinite"),
        ("scale", [1.0, 0.0], "must be > 0"),
        ("log_std", [[0.0]], "shape"),
    ):
        with pytest.raises(InstanceError, match=problem):
            from_mapping({**raw, key: value})
    with pytest.raises(InstanceError, match="temperature"):
        from_mapping({**raw, "params": {"alpha": 0.0}})


def test_family_generate_is_deterministic_and_pre_squash_reaches_saturation() -> None:
    raw = gaussian_policy.generate(seed=11, states=3, dims=3, spread="saturated")
    assert raw == gaussian_policy.generate(seed=11, states=3, dims=3, spread="saturated")
    from_mapping(raw)
    rng = np.random.default_rng(0)
    u = np.concatenate(
        [gaussian_policy.sample_param(rng, "pre_squash", (3, 3), raw).ravel() for _ in range(20)]
    )
    assert np.all(np.abs(u) <= 20 + 8 * 3 + 30) and np.any(np.abs(u) >= 19) and np.any(np.abs(u) < 5)
    assert gaussian_policy.sample_param(rng, "real", (3,), raw) is None


@pytest.mark.parametrize(
    "formula_id",
    ["sac.squashed_policy_objective", "sac.squashed_policy_gradient", "sac.tanh_gaussian_log_prob"],
)
def test_oracle_bound_holds_against_recomputation_at_triple_digits(formula_id: str) -> None:
    """The printed bound contains the value recomputed at 3x the digits."""
    from rlspec import spec

    raw = gaussian_policy.generate(seed=5, states=1, dims=2, spread="wide")
    raw["params"]["u"] = [[20.0, -3.5]]
    instance = from_mapping(raw)
    result = evaluate(formula_id, instance, dps=20)
    f = spec.formula(formula_id)
    fine = compute(f, arguments(f, instance), 60)
    with mp.workdps(60):
        flat_fine = np.array(fine, dtype=object).ravel()
        flat = np.array(result.value, dtype=object).ravel()
        worst = max(abs(mp.mpf(a) - mp.mpf(b)) for a, b in zip(flat, flat_fine, strict=True))
        assert worst <= result.error_bound
        assert result.error_bound < mp.mpf(10) ** -18 * (1 + max(abs(mp.mpf(x)) for x in flat_fine))


# ---- sac.policy_loss_batch / gradient ------------------------------------------------------


def _with_noise(instance: Instance, seed: int) -> Instance:
    raw = instance.to_json()
    rng = np.random.default_rng(seed)
    raw["params"]["eps"] = (2 * rng.standard_normal(np.shape(raw["mean"]))).tolist()
    return from_mapping(raw)


@settings(max_examples=10)
@given(gaussian_policy_instances(max_states=3, max_dims=2), st.integers(0, 2**32 - 1))
def test_policy_loss_batch_is_the_mean_of_log_density_minus_critic(instance: Instance, seed: int) -> None:
    """L = mean_i [alpha log p(a~_i) - Q(a~_i)], with the density of a~_i written in a (atanh of
    (a - bias)/scale, evaluated with enough digits for 1 - x^2 at saturation)."""
    instance = _with_noise(instance, seed)
    args = args_of("sac.policy_loss_batch", instance)
    with mp.workdps(DPS):
        got = sac.policy_loss_batch(*args)
        eps = args[0]
        k = [to_mpf(x) for x in instance.data["scale"]]
        beta = [to_mpf(x) for x in instance.data["bias"]]
        terms = []
        for i in range(len(eps)):
            mean, log_std, b, c, h, alpha = _state(instance, i)
            with mp.workdps(3 * DPS):
                a = [
                    kj * mp.tanh(m + mp.exp(s) * to_mpf(e)) + bj
                    for kj, m, s, e, bj in zip(k, mean, log_std, eps[i], beta, strict=True)
                ]
                logp = mp.zero
                for aj, kj, bj, m, s in zip(a, k, beta, mean, log_std, strict=True):
                    x = (aj - bj) / kj
                    logp += sac.gaussian_log_density(mp.atanh(x), m, s) - mp.log(kj * (1 - x * x))
                terms.append(alpha * logp - _quadratic_q(a, b, c, h))
        assert close(got, mp.fsum(terms) / len(terms), DPS - 6)


@settings(max_examples=10)
@given(gaussian_policy_instances(max_states=3, max_dims=2), st.integers(0, 2**32 - 1))
def test_policy_loss_batch_gradient_is_the_finite_difference_gradient(instance: Instance, seed: int) -> None:
    """The pathwise gradient (eps held fixed) equals mp.diff of the batch loss in every mean and log_std."""
    instance = _with_noise(instance, seed)
    args = args_of("sac.policy_loss_batch", instance)
    with mp.workdps(DPS):
        grad = sac.policy_loss_batch_gradient(*args)
        for slot, row in ((1, 0), (2, 1)):  # args[1] = mean, args[2] = log_std
            for i, values in enumerate(args[slot]):
                for j, x0 in enumerate(values):

                    def f(x: Any, slot: int = slot, i: int = i, j: int = j) -> Any:
                        moved = [list(r) for r in args[slot]]
                        moved[i][j] = x
                        new = list(args)
                        new[slot] = moved
                        return sac.policy_loss_batch(*new)

                    assert close(grad[i][row][j], mp.diff(f, to_mpf(x0)), DPS - 8)


@settings(max_examples=4)
@given(one_dim)
def test_policy_loss_batch_averages_to_the_squashed_objective(instance: Instance) -> None:
    """E_eps[L(eps)] = J(s): tanh-sinh quadrature of the one-sample loss over eps reproduces the
    squashed policy objective (computed by rigorous quadrature), and E_eps of the pathwise
    gradient reproduces the squashed policy gradient."""
    args = _squashed_args(instance)
    with mp.workdps(DPS):
        (objective,) = sac.squashed_policy_objective(*args)
        (gradient,) = sac.squashed_policy_gradient(*args)
        mean, log_std = to_mpf(args[0][0][0]), to_mpf(args[1][0][0])
        center = -mean / mp.exp(log_std)
        edges = [-mp.inf, *sorted({mp.mpf(-6), mp.mpf(0), mp.mpf(6), center}), mp.inf]
        norm = 1 / mp.sqrt(2 * mp.pi)

        def expect(fn: Any) -> Any:
            return norm * mp.quad(lambda e: mp.exp(-e * e / 2) * fn([[e]]), edges)

        assert close(objective, expect(lambda e: sac.policy_loss_batch(e, *args)), DPS - 8)
        for row in (0, 1):
            want = expect(lambda e, row=row: sac.policy_loss_batch_gradient(e, *args)[0][row][0])
            assert close(gradient[row][0], want, DPS - 8)
