"""Properties of the natural-gradient section (lecture eqs 1-13) at 40+ digits: hand-worked
values; the score-function gradient against finite differences and against quadrature (mpmath
tanh-sinh in one dimension, exact Gauss-Hermite rules in two); I_1 = 0, E[hess p / p] = 0,
I_2 = -F; F = E[score score^T]; KL by quadrature and its second-order expansion; flatness along
the Fisher's null direction; the pseudo-inverse from the structure against an eigen route; the
natural step's optimality; the exact KL-ball maximizer, which settles eq. 13's KL budget; and the
oracle's error bounds."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from itertools import product
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mpmath import mp

from rlspec import spec
from rlspec.oracle.evaluate import arguments, compute, evaluate, leaves
from rlspec.oracle.families import dist_categorical, dist_gaussian
from rlspec.oracle.instance import Instance, from_mapping
from rlspec.oracle.sampling import sample_instance
from rlspec.reference import natural_gradient as ng
from rlspec.reference.numbers import to_mpf
from tests.strategies_natural_gradient import categorical_instances, directions, gaussian_instances

DPS = 50
TINY = to_mpf(10) ** -35  # far above 50-digit rounding, far below any real discrepancy


def cat(instance: Instance) -> tuple[Any, Any]:
    """theta, f (exact)."""
    theta, f = arguments(spec.formula("dist.gradient_categorical"), instance)
    return theta, f


def gauss(instance: Instance) -> tuple[Any, Any, Any, Any, Any]:
    """mean, log_std, c, b, H (exact)."""
    mean, log_std, c, b, H = arguments(spec.formula("dist.gradient_gaussian"), instance)
    return mean, log_std, c, b, H


def close(a: Any, b: Any, tol: Any = TINY) -> bool:
    xs, ys = leaves(a), leaves(b)
    assert len(xs) == len(ys)
    return all(abs(to_mpf(x) - to_mpf(y)) <= tol * (1 + abs(to_mpf(y))) for x, y in zip(xs, ys, strict=True))


def matvec(a: Sequence[Sequence[Any]], x: Sequence[Any]) -> list[Any]:
    return [mp.fdot(row, x) for row in a]


def quadform(a: Sequence[Sequence[Any]], x: Sequence[Any]) -> Any:
    return mp.fdot(x, matvec(a, x))


# ---- Gauss-Hermite: E h(Z), Z ~ N(0, I_n), exact for polynomials of degree <= 2 N - 1 ----------

HERMITE_NODES = 6


def hermite_rule(n: int = HERMITE_NODES) -> list[tuple[Any, Any]]:
    """The n-point rule for N(0, 1) by Golub-Welsch: the nodes are the eigenvalues of the Jacobi
    matrix of the probabilists' Hermite recurrence He_{k+1} = x He_k - k He_{k-1} (zero diagonal,
    off-diagonal sqrt(k)), the weights the squared first components of its unit eigenvectors (they
    sum to 1, the mass of the N(0, 1) probability measure)."""
    jacobi = mp.matrix(n, n)
    for k in range(1, n):
        jacobi[k - 1, k] = jacobi[k, k - 1] = mp.sqrt(k)
    nodes, vectors = mp.eigsy(jacobi)
    return [(nodes[i], vectors[0, i] ** 2) for i in range(n)]


def test_hermite_rule_integrates_gaussian_moments() -> None:
    """E Z^k for Z ~ N(0, 1): 0 for odd k, (k - 1)!! for even k, exact up to k = 2 n - 1."""
    with mp.workdps(50):
        rule = hermite_rule()
        for k in range(2 * HERMITE_NODES):
            moment = mp.fsum(w * x**k for x, w in rule)
            exact = 0 if k % 2 else mp.fac2(k - 1)
            assert abs(moment - exact) < mp.mpf(10) ** -40 * (1 + exact)


def gaussian_expectation(mean: Sequence[Any], log_std: Sequence[Any], h: Callable[[list[Any]], Any]) -> Any:
    """E h(X), X ~ N(mean, diag(exp(log_std))^2), by the tensor-product Gauss-Hermite rule. h may return
    a number, a vector or a matrix (nested lists)."""
    rule = hermite_rule()
    m = [to_mpf(x) for x in mean]
    sigma = [mp.exp(to_mpf(s)) for s in log_std]
    total: Any = None
    for combo in product(rule, repeat=len(m)):
        weight = mp.fprod(w for _, w in combo)
        x = [mi + si * z for (z, _), mi, si in zip(combo, m, sigma, strict=True)]
        value = scale_nested(h(x), weight)
        total = value if total is None else add_nested(total, value)
    return total


def scale_nested(v: Any, w: Any) -> Any:
    return [scale_nested(x, w) for x in v] if isinstance(v, list) else v * w


def add_nested(a: Any, b: Any) -> Any:
    return [add_nested(x, y) for x, y in zip(a, b, strict=True)] if isinstance(a, list) else a + b


def density_gaussian(theta: Sequence[Any], x: Sequence[Any]) -> Any:
    n = len(x)
    return mp.exp(ng.log_density_gaussian(theta[:n], theta[n:], x))


# ---- hand-worked values ----------------------------------------------------------------------


def test_hand_values() -> None:
    """Categorical theta = (0, 0), f = (1, 3): J = 2, grad J = p (f - J) = (-1/2, 1/2), F = [[1/4, -1/4],
    [-1/4, 1/4]], F^+ grad J = f - mean f = (-1, 1), and with alpha = 1/8 (g^T F^+ g = Var_p f = 1)
    d* = sqrt(1/4) (-1, 1). KL((1/4, 3/4) || (1/2, 1/2)) = log(1/2)/4 + 3 log(3/2)/4. Gaussian n = 1,
    m = 1, sigma = 1, f(x) = x^2: J = m^2 + sigma^2 = 2, grad J = (2m, 2 sigma^2) = (2, 2), F = diag(1, 2),
    F^{-1} grad J = (2, 1); KL(N(0, 1) || N(1, e^2)) = 1 + (1 + 1) / (2 e^2) - 1/2."""
    with mp.workdps(DPS):
        t, f = [0, 0], [1, 3]
        assert close(ng.objective_categorical(t, f), 2)
        assert close(ng.gradient_categorical(t, f), [Fraction(-1, 2), Fraction(1, 2)])
        q = Fraction(1, 4)
        assert close(ng.fisher_categorical(t), [[q, -q], [-q, q]])
        assert close(ng.natural_direction_categorical(t, f), [-1, 1])
        assert close(ng.natural_step_categorical(t, f, Fraction(1, 8)), [Fraction(-1, 2), Fraction(1, 2)])
        kl = ng.kl_categorical([0, mp.log(3)], [0, 0])
        assert close(kl, mp.log(to_mpf(1) / 2) / 4 + 3 * mp.log(to_mpf(3) / 2) / 4)
        g_args = ([1], [0], 0, [0], [[1]])
        assert close(ng.objective_gaussian(*g_args), 2)
        assert close(ng.gradient_gaussian(*g_args), [2, 2])
        assert close(ng.fisher_gaussian([1], [0]), [[1, 0], [0, 2]])
        assert close(ng.natural_direction_gaussian(*g_args), [2, 1])
        assert close(ng.kl_gaussian([0], [0], [1], [1]), to_mpf(1) / 2 + 1 / mp.e**2)
        assert ng.natural_step_categorical([0, 5], [2, 2], 1) == [0, 0]
        # b + 2 H m = 0 but H_11 != 0: g = (0, 2), F^{-1} g = (0, 1), g^T F^{-1} g = 2, d* = (0, 1)
        assert close(ng.natural_step_gaussian([1], [0], 0, [-2], [[1]], 1), [0, 1])
        # H = 0: g = (-2, 0) = F^{-1} g, g^T F^{-1} g = 4, d* = sqrt(2 / 4) (-2, 0)
        assert close(ng.natural_step_gaussian([1], [0], 0, [-2], [[0]], 1), [-mp.sqrt(2), 0])


def test_hand_values_zero_gradient() -> None:
    """d* = 0 exactly when grad J = 0: f(x) = x^T H x - 2 x with H = [[0, 1], [0, 0]] at m = (1, 1) has
    b + (H + H^T) m = (-2 + 1, -2 + 1) != 0; with b = (-1, -1) it is 0 and diag H = 0."""
    with mp.workdps(DPS):
        H = [[0, 1], [0, 0]]
        assert ng.natural_step_gaussian([1, 1], [0, 0], 3, [-1, -1], H, 1) == [0, 0, 0, 0]
        assert close(ng.gradient_gaussian([1, 1], [0, 0], 3, [-1, -1], H), [0, 0, 0, 0])


# ---- eq 1-2: the objective and its score-function gradient ------------------------------------


@given(categorical_instances())
def test_gradient_matches_finite_differences(instance: Instance) -> None:
    """Eq. 2's grad J: the score-function expectation E[f(X) grad log p(X)] equals the derivative of
    J(theta) = sum_x p(x) f(x) by mpmath's high-precision finite differences, coordinate by coordinate;
    and the closed form p (f - J)."""
    theta, f = cat(instance)
    with mp.workdps(DPS):
        g = ng.gradient_categorical(theta, f)
        t0 = [to_mpf(x) for x in theta]
        for i in range(len(t0)):

            def along(h: Any, i: int = i) -> Any:
                return ng.objective_categorical([x + (h if j == i else 0) for j, x in enumerate(t0)], f)

            assert abs(derivative(along) - g[i]) < TINY * (1 + max(abs(to_mpf(x)) for x in f))
        p = ng.probabilities_categorical(theta)
        J = ng.objective_categorical(theta, f)
        assert close(g, [pi * (to_mpf(fi) - J) for pi, fi in zip(p, f, strict=True)])


@settings(max_examples=8)
@given(gaussian_instances())
def test_gaussian_gradient_matches_finite_differences(instance: Instance) -> None:
    """The Gaussian grad J (closed form of E[f(X) grad log p(X)]) against finite differences of the
    Gauss-Hermite value of E f(X) (an independent route to J)."""
    mean, log_std, c, b, H = gauss(instance)
    n = len(mean)
    with mp.workdps(DPS):
        g = ng.gradient_gaussian(mean, log_std, c, b, H)
        theta0 = [to_mpf(x) for x in [*mean, *log_std]]
        for i in range(2 * n):

            def along(h: Any, i: int = i) -> Any:
                th = [x + (h if j == i else 0) for j, x in enumerate(theta0)]
                return gaussian_expectation(th[:n], th[n:], lambda x: ng.f_quadratic(c, b, H, x))

            assert abs(derivative(along) - g[i]) < TINY * (1 + abs(g[i]))


@settings(max_examples=10)
@given(gaussian_instances())
def test_score_function_gradient_by_quadrature(instance: Instance) -> None:
    """E f(X) and E[f(X) score(X)] by the exact Gauss-Hermite rule equal dist.objective_gaussian and
    dist.gradient_gaussian (which use the moments E Z^2 = 1, E Z^4 = 3); and only the symmetric part
    of H matters."""
    mean, log_std, c, b, H = gauss(instance)
    with mp.workdps(DPS):
        J = gaussian_expectation(mean, log_std, lambda x: ng.f_quadratic(c, b, H, x))
        g = gaussian_expectation(
            mean,
            log_std,
            lambda x: [ng.f_quadratic(c, b, H, x) * s for s in ng.score_gaussian(mean, log_std, x)],
        )
        assert close(ng.objective_gaussian(mean, log_std, c, b, H), J)
        assert close(ng.gradient_gaussian(mean, log_std, c, b, H), g)
        n = len(mean)
        sym = [[(H[i][j] + H[j][i]) / 2 for j in range(n)] for i in range(n)]
        assert close(ng.gradient_gaussian(mean, log_std, c, b, sym), g)


@settings(max_examples=3)
@given(gaussian_instances(max_dim=1))
def test_gaussian_by_quad_1d(instance: Instance) -> None:
    """One dimension, mpmath tanh-sinh quadrature over the real line (a route independent of the
    Hermite rule): E f, E[f score], E[score score^T] and E_P log(p/q) match the closed forms."""
    mean, log_std, c, b, H = gauss(instance)
    with mp.workdps(40):
        m = to_mpf(mean[0])
        new_mean, new_log_std = [mean[0] + Fraction(1, 3)], [log_std[0] - Fraction(1, 5)]

        def expect(h: Callable[[Any], Any]) -> Any:
            def integrand(x: Any) -> Any:
                return h(x) * mp.exp(ng.log_density_gaussian(mean, log_std, [x]))

            return mp.quad(integrand, [-mp.inf, m, mp.inf])

        def f(x: Any) -> Any:
            return ng.f_quadratic(c, b, H, [x])

        def score(x: Any, k: int) -> Any:
            return ng.score_gaussian(mean, log_std, [x])[k]

        tol = to_mpf(10) ** -30
        assert close(ng.objective_gaussian(mean, log_std, c, b, H), expect(f), tol)
        g = ng.gradient_gaussian(mean, log_std, c, b, H)
        F = ng.fisher_gaussian(mean, log_std)
        for k in range(2):

            def weighted(x: Any, k: int = k) -> Any:
                return f(x) * score(x, k)

            assert close(g[k], expect(weighted), tol)
            for j in range(2):

                def outer(x: Any, k: int = k, j: int = j) -> Any:
                    return score(x, k) * score(x, j)

                assert close(F[k][j], expect(outer), tol)
        kl = expect(
            lambda x: (
                ng.log_density_gaussian(mean, log_std, [x])
                - ng.log_density_gaussian(new_mean, new_log_std, [x])
            )
        )
        assert close(ng.kl_gaussian(mean, log_std, new_mean, new_log_std), kl, tol)


# ---- eq 3: the Euclidean step ----------------------------------------------------------------


@given(categorical_instances(), st.integers(0, 2**32 - 1))
def test_euclidean_ball_argmax(instance: Instance, seed: int) -> None:
    """Eq. 3: argmax_{||d|| <= alpha} <g, d> is alpha g / ||g|| (Cauchy-Schwarz): it is feasible, attains
    ||d|| = alpha and <g, d> = alpha ||g||, and beats random feasible directions."""
    theta, f = cat(instance)
    with mp.workdps(DPS):
        alpha = to_mpf(Fraction(1, 10))
        g = ng.gradient_categorical(theta, f)
        norm = mp.sqrt(mp.fdot(g, g))
        assume(norm > TINY)
        best = [alpha * x / norm for x in g]
        assert abs(mp.sqrt(mp.fdot(best, best)) - alpha) < TINY
        top = mp.fdot(g, best)
        assert abs(top - alpha * norm) < TINY
        rng = np.random.default_rng(seed)
        for _ in range(20):
            v = [mp.mpf(float(x)) for x in rng.normal(size=len(g))]
            shrink = alpha / mp.sqrt(mp.fdot(v, v)) * mp.mpf(float(rng.uniform(0.2, 1.0)))
            v = [x * shrink for x in v]
            assert mp.fdot(g, v) <= top + TINY


# ---- eq 6 and 12: the Fisher information -----------------------------------------------------


@given(categorical_instances())
def test_fisher_is_expected_outer_score(instance: Instance) -> None:
    """Eq. 6/12: F = E[score score^T] = E[grad p grad p^T / p^2], summed over the support from
    dist.score_categorical, equals the closed form diag(p) - p p^T (dist.fisher_categorical)."""
    theta, _ = cat(instance)
    with mp.workdps(DPS):
        p = ng.probabilities_categorical(theta)
        S = ng.score_categorical(theta)
        k = len(p)
        outer = [[mp.fsum(p[x] * S[x][i] * S[x][j] for x in range(k)) for j in range(k)] for i in range(k)]
        assert close(ng.fisher_categorical(theta), outer)


@settings(max_examples=8)
@given(gaussian_instances())
def test_fisher_gaussian_is_expected_outer_score(instance: Instance) -> None:
    """Eq. 6/12 for the Gaussian: E[score score^T] by the Hermite rule is diag(1/sigma^2, 2)."""
    mean, log_std, *_ = gauss(instance)
    with mp.workdps(DPS):

        def outer(x: list[Any]) -> list[list[Any]]:
            s = ng.score_gaussian(mean, log_std, x)
            return [[a * b for b in s] for a in s]

        assert close(ng.fisher_gaussian(mean, log_std), gaussian_expectation(mean, log_std, outer))


# ---- eq 9-12: I_1 = 0, E[hess p / p] = 0, I_2 = -F ------------------------------------------


@given(categorical_instances())
def test_i1_zero(instance: Instance) -> None:
    """Eq. 10: I_1 = E[grad log p(X)] = sum_x grad p(x) = 0 (categorical: exact sum over the support;
    the Gaussian by the Hermite rule in test_i1_zero_gaussian)."""
    theta, _ = cat(instance)
    with mp.workdps(DPS):
        p = ng.probabilities_categorical(theta)
        S = ng.score_categorical(theta)
        assert close([mp.fsum(p[x] * S[x][i] for x in range(len(p))) for i in range(len(p))], [0] * len(p))


@settings(max_examples=8)
@given(gaussian_instances())
def test_i1_zero_gaussian(instance: Instance) -> None:
    mean, log_std, *_ = gauss(instance)
    with mp.workdps(DPS):
        i1 = gaussian_expectation(mean, log_std, lambda x: ng.score_gaussian(mean, log_std, x))
        assert close(i1, [0] * (2 * len(mean)))


def hessian(fn: Callable[..., Any], point: Sequence[Any]) -> list[list[Any]]:
    """Second partials of fn at point by central differences with step h = 10^-dps, evaluated at 3 dps
    digits (truncation O(h^2) = 10^-2dps, rounding 10^-3dps / h^2 = 10^-dps)."""
    k = len(point)
    h_exp = mp.dps
    out = [[mp.zero] * k for _ in range(k)]
    with mp.workdps(3 * h_exp):
        h = mp.mpf(10) ** -h_exp
        x0 = [to_mpf(x) for x in point]

        def at(i: int, si: int, j: int, sj: int) -> Any:
            x = list(x0)
            x[i] += si * h
            x[j] += sj * h
            return fn(*x)

        for i in range(k):
            for j in range(i, k):
                v = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h**2)
                out[i][j] = out[j][i] = v
    return [[+v for v in row] for row in out]


def derivative(fn: Callable[[Any], Any]) -> Any:
    """fn'(0) by a central difference with h = 10^-dps at 3 dps digits (error ~ 10^-2dps + 10^-2dps)."""
    h_exp = mp.dps
    with mp.workdps(3 * h_exp):
        h = mp.mpf(10) ** -h_exp
        v = (fn(h) - fn(-h)) / (2 * h)
    return +v


@settings(max_examples=8)
@given(categorical_instances(max_support=4))
def test_i2_is_minus_fisher(instance: Instance) -> None:
    """Eq. 9/12: I_2 = E[hess_theta log p_theta(X)] = -F, with the Hessians of log p_theta(x) by
    numerical differentiation (no closed form used), then KL(P_theta || P_theta+d) ~ -d^T I_1 - d^T I_2 d
    / 2 = d^T F d / 2 (test_kl_second_order)."""
    theta, _ = cat(instance)
    with mp.workdps(DPS):
        p = ng.probabilities_categorical(theta)
        t0 = [to_mpf(x) for x in theta]
        k = len(t0)
        i2 = [[mp.zero] * k for _ in range(k)]
        for x in range(k):
            hx = hessian(lambda *t, x=x: ng.log_probabilities_categorical(list(t))[x], t0)
            i2 = [[i2[i][j] + p[x] * hx[i][j] for j in range(k)] for i in range(k)]
        F = ng.fisher_categorical(theta)
        assert close(i2, [[-v for v in row] for row in F], to_mpf(10) ** -30)


@settings(max_examples=4)
@given(gaussian_instances(max_dim=1))
def test_i2_is_minus_fisher_gaussian(instance: Instance) -> None:
    """I_2 = -F for the Gaussian: Hessians of log p_theta(x) in theta = (m, log sigma) by numerical
    differentiation at the Hermite nodes."""
    mean, log_std, *_ = gauss(instance)
    with mp.workdps(DPS):
        t0 = [to_mpf(x) for x in [*mean, *log_std]]
        n = len(mean)

        def hess_log_p(x: list[Any]) -> list[list[Any]]:
            return hessian(lambda *t: ng.log_density_gaussian(list(t[:n]), list(t[n:]), x), t0)

        i2 = gaussian_expectation(mean, log_std, hess_log_p)
        F = ng.fisher_gaussian(mean, log_std)
        assert close(i2, [[-v for v in row] for row in F], to_mpf(10) ** -30)


@settings(max_examples=8)
@given(categorical_instances(max_support=4))
def test_second_derivative_integral_zero(instance: Instance) -> None:
    """Eq. 11: E[hess p(X) / p(X)] = sum_x hess p_theta(x) = hess sum_x p_theta(x) = 0 (Hessians by
    numerical differentiation); the Gaussian (n = 1) by the Hermite rule of hess p / p."""
    theta, _ = cat(instance)
    with mp.workdps(DPS):
        t0 = [to_mpf(x) for x in theta]
        k = len(t0)
        total = [[mp.zero] * k for _ in range(k)]
        for x in range(k):
            hx = hessian(lambda *t, x=x: ng.probabilities_categorical(list(t))[x], t0)
            total = [[total[i][j] + hx[i][j] for j in range(k)] for i in range(k)]
        assert close(total, [[0] * k] * k, to_mpf(10) ** -30)
        mean, log_std = [Fraction(1, 3)], [Fraction(-1, 4)]
        g0 = [to_mpf(mean[0]), to_mpf(log_std[0])]

        def ratio(x: list[Any]) -> list[list[Any]]:
            h = hessian(lambda *t: density_gaussian(list(t), x), g0)
            return [[v / density_gaussian(g0, x) for v in row] for row in h]

        assert close(gaussian_expectation(mean, log_std, ratio), [[0, 0], [0, 0]], to_mpf(10) ** -30)


# ---- eq 8 and 9: KL and its expansion --------------------------------------------------------


@given(categorical_instances(), categorical_instances())
def test_kl_by_quadrature(instance: Instance, other: Instance) -> None:
    """Eq. 8: KL(P || Q) = E_P log(p / q): categorical by summing p(x) log(p(x) / q(x)) with p, q
    normalized directly (no log-softmax); KL >= 0, = 0 iff P = Q (Gibbs). The Gaussian by the Hermite rule
    in test_kl_gaussian_by_quadrature."""
    theta, _ = cat(instance)
    k = len(theta)
    theta_new = [x / 3 + Fraction(i, 7) for i, x in enumerate(cat(other)[0][:k])] + [Fraction(0)] * (
        k - len(cat(other)[0][:k])
    )
    with mp.workdps(DPS):
        e_p = [mp.exp(to_mpf(x)) for x in theta]
        e_q = [mp.exp(to_mpf(x)) for x in theta_new]
        p = [x / mp.fsum(e_p) for x in e_p]
        q = [x / mp.fsum(e_q) for x in e_q]
        direct = mp.fsum(pi * mp.log(pi / qi) for pi, qi in zip(p, q, strict=True))
        kl = ng.kl_categorical(theta, theta_new)
        assert close(kl, direct)
        assert kl >= -TINY
        assert abs(ng.kl_categorical(theta, theta)) < TINY
        assert abs(ng.kl_categorical(theta, [x + 5 for x in theta])) < TINY  # a constant shift: same P


@settings(max_examples=8)
@given(gaussian_instances(), st.integers(0, 2**32 - 1))
def test_kl_gaussian_by_quadrature(instance: Instance, seed: int) -> None:
    mean, log_std, *_ = gauss(instance)
    rng = np.random.default_rng(seed)
    mean_new = [m + Fraction(float(rng.normal())) for m in mean]
    log_std_new = [s + Fraction(float(rng.normal(scale=0.5))) for s in log_std]
    with mp.workdps(DPS):
        kl = gaussian_expectation(
            mean,
            log_std,
            lambda x: (
                ng.log_density_gaussian(mean, log_std, x) - ng.log_density_gaussian(mean_new, log_std_new, x)
            ),
        )
        assert close(ng.kl_gaussian(mean, log_std, mean_new, log_std_new), kl)


@given(categorical_instances(), directions(6))
def test_kl_second_order(instance: Instance, d_raw: list[int]) -> None:
    """Eq. 9 with I_1 = 0 and I_2 = -F: KL(P_theta || P_theta+t d) / ((t^2 / 2) d^T F d) -> 1 as t -> 0;
    the remainder is O(t): at t = 1e-20 the ratio is 1 within 1e-15 (and at t = 1e-10 within 1e-5).
    Without the 1/2 (the text after eq. 13) the ratio would tend to 1/2."""
    theta, _ = cat(instance)
    k = len(theta)
    d = d_raw[:k]
    with mp.workdps(80):
        F = ng.fisher_categorical(theta)
        quad = quadform(F, d)
        assume(quad > to_mpf(10) ** -30)
        for t_exp, slack in ((20, 15), (10, 5)):
            t = to_mpf(10) ** -t_exp
            kl = ng.kl_categorical(theta, [to_mpf(x) + t * di for x, di in zip(theta, d, strict=True)])
            ratio = kl / (t**2 / 2 * quad)
            assert abs(ratio - 1) < to_mpf(10) ** -slack


@settings(max_examples=10)
@given(gaussian_instances(), directions(4))
def test_kl_second_order_gaussian(instance: Instance, d_raw: list[int]) -> None:
    mean, log_std, *_ = gauss(instance)
    n = len(mean)
    d = (d_raw + [1] * 4)[: 2 * n]
    with mp.workdps(80):
        quad = quadform(ng.fisher_gaussian(mean, log_std), d)
        t = to_mpf(10) ** -20
        kl = ng.kl_gaussian(
            mean,
            log_std,
            [m + t * x for m, x in zip(mean, d[:n], strict=True)],
            [s + t * x for s, x in zip(log_std, d[n:], strict=True)],
        )
        assert abs(kl / (t**2 / 2 * quad) - 1) < to_mpf(10) ** -15


@given(categorical_instances(), directions(6), st.sampled_from((Fraction(1, 1000), Fraction(1), Fraction(7))))
def test_null_direction_flat(instance: Instance, d_raw: list[int], t: Fraction) -> None:
    """Text after eq. 13: F d = 0 means the KL is flat along d. For the categorical family the null
    space of F is exactly span(1) (every other eigenvalue is > 0, by an eigen-decomposition), and along it
    KL(P_theta || P_theta+t 1) = 0 for every t, not only to second order; adding c 1 to any d changes
    neither the KL nor <grad J, d> nor d^T F d."""
    theta, f = cat(instance)
    k = len(theta)
    d = d_raw[:k]
    with mp.workdps(DPS):
        F = ng.fisher_categorical(theta)
        ones = [1] * k
        assert close(matvec(F, ones), [0] * k)
        assert abs(ng.kl_categorical(theta, [x + t for x in theta])) < TINY
        shifted = [x + 3 for x in d]
        along = [x + t * di for x, di in zip(theta, d, strict=True)]
        along_shifted = [x + t * di for x, di in zip(theta, shifted, strict=True)]
        assert close(ng.kl_categorical(theta, along), ng.kl_categorical(theta, along_shifted))
        g = ng.gradient_categorical(theta, f)
        assert abs(mp.fdot(g, d) - mp.fdot(g, shifted)) < TINY
        assert abs(quadform(F, d) - quadform(F, shifted)) < TINY
        eig = sorted(mp.eigsy(mp.matrix(F))[0])
        p_min = min(ng.probabilities_categorical(theta))
        assert abs(eig[0]) < TINY
        assert all(e > p_min / 2 * (1 - TINY) for e in eig[1:])  # interlacing: lambda_2 >= p_min / ... > 0


# ---- eq 5, 7, 13: the pseudo-inverse, the natural direction and step -------------------------


def pinv_by_eig(a: list[list[Any]]) -> list[list[Any]]:
    """Moore-Penrose pseudo-inverse of a symmetric matrix by mpmath's eigen-decomposition, dropping
    eigenvalues below 10^(-dps/2) times the largest."""
    w, v = mp.eigsy(mp.matrix(a))
    k = len(a)
    cut = to_mpf(10) ** (-mp.dps // 2) * max(abs(x) for x in w)
    out = [[mp.zero] * k for _ in range(k)]
    for e in range(k):
        if abs(w[e]) > cut:
            for i in range(k):
                for j in range(k):
                    out[i][j] += v[i, e] * v[j, e] / w[e]
    return out


def pinv_by_svd(a: list[list[Any]]) -> list[list[Any]]:
    """Moore-Penrose pseudo-inverse by mpmath's real SVD a = U diag(s) V: V^T diag(1/s) U^T over the
    singular values above 10^(-dps/2) times the largest."""
    u, s, v = mp.svd_r(mp.matrix(a))
    k = len(a)
    cut = mp.mpf(10) ** (-mp.dps // 2) * max(s[i] for i in range(k))
    return [
        [mp.fsum(v[e, i] * u[j, e] / s[e] for e in range(k) if s[e] > cut) for j in range(k)]
        for i in range(k)
    ]


@settings(max_examples=10)
@given(categorical_instances())
def test_fisher_pinv_matches_eig(instance: Instance) -> None:
    """F^+ = C diag(1/p) C from the structure equals the eigen and SVD routes and satisfies the four Penrose
    conditions (F X F = F, X F X = X, F X and X F symmetric)."""
    theta, _ = cat(instance)
    with mp.workdps(DPS):
        F = ng.fisher_categorical(theta)
        X = ng.fisher_pinv_categorical(theta)
        scale = 1 / min(ng.probabilities_categorical(theta))
        assert close(X, pinv_by_eig(F), TINY * scale**2)
        assert close(X, pinv_by_svd(F), TINY * scale**2)
        FX = [[mp.fdot(row, col) for col in zip(*X, strict=True)] for row in F]
        XF = [[mp.fdot(row, col) for col in zip(*F, strict=True)] for row in X]
        FXF = [[mp.fdot(row, col) for col in zip(*F, strict=True)] for row in FX]
        XFX = [[mp.fdot(row, col) for col in zip(*X, strict=True)] for row in XF]
        assert close(FXF, F, TINY * scale)
        assert close(XFX, X, TINY * scale**2)
        k = len(F)
        assert all(abs(FX[i][j] - FX[j][i]) < TINY * scale for i in range(k) for j in range(k))
        assert all(abs(XF[i][j] - XF[j][i]) < TINY * scale for i in range(k) for j in range(k))


@given(categorical_instances())
def test_natural_direction_is_centered_f(instance: Instance) -> None:
    """Eq. 5/7: F^+ grad J for the categorical family is f - mean(f) (hand derivation: F (f + c 1) =
    p (f - J) = grad J, and the l2-minimal solution is the one orthogonal to 1); it also equals the
    eigen route's pseudo-inverse applied to grad J."""
    theta, f = cat(instance)
    with mp.workdps(DPS):
        d = ng.natural_direction_categorical(theta, f)
        mean_f = mp.fsum(to_mpf(x) for x in f) / len(f)
        scale = 1 + max(abs(to_mpf(x)) for x in f)
        assert close(d, [to_mpf(x) - mean_f for x in f], TINY * scale)
        F = ng.fisher_categorical(theta)
        g = ng.gradient_categorical(theta, f)
        by_eig = matvec(pinv_by_eig(F), g)
        assert close(d, by_eig, TINY * scale / min(ng.probabilities_categorical(theta)))


@given(gaussian_instances(max_dim=3))
def test_natural_direction_gaussian_solves(instance: Instance) -> None:
    """F^{-1} grad J for the Gaussian equals an LU solve of F x = grad J."""
    mean, log_std, c, b, H = gauss(instance)
    with mp.workdps(DPS):
        F = ng.fisher_gaussian(mean, log_std)
        g = ng.gradient_gaussian(mean, log_std, c, b, H)
        x = mp.lu_solve(mp.matrix(F), mp.matrix(g))
        assert close(ng.natural_direction_gaussian(mean, log_std, c, b, H), [x[i] for i in range(len(g))])


def check_step_optimal(g: list[Any], F: list[list[Any]], step: list[Any], alpha: Any, seed: int) -> None:
    """d* attains d*^T F d* = 2 alpha and <g, d*> = sqrt(2 alpha g^T F^+ g); no random feasible d does
    better (boundary and interior points of the ellipsoid d^T F d <= 2 alpha)."""
    alpha = to_mpf(alpha)
    top = mp.fdot(g, step)
    assert abs(quadform(F, step) - 2 * alpha) < TINY * (1 + 2 * alpha)
    rng = np.random.default_rng(seed)
    for _ in range(30):
        v = [mp.mpf(float(x)) for x in rng.normal(size=len(g))]
        q = quadform(F, v)
        if q <= TINY:
            continue
        shrink = mp.sqrt(2 * alpha / q) * mp.mpf(float(rng.uniform(0.3, 1.0)))
        v = [x * shrink for x in v]
        assert mp.fdot(g, v) <= top * (1 + TINY) + TINY


@given(categorical_instances(), st.sampled_from(("1/1000", "1/8", "1", "3")), st.integers(0, 2**32 - 1))
def test_natural_step_optimal(instance: Instance, alpha_text: str, seed: int) -> None:
    """Eq. 13: d* = sqrt(2 alpha / g^T F^+ g) F^+ g solves max <g, d> s.t. d^T F d <= 2 alpha (categorical
    and Gaussian): it attains the constraint, <g, d*> = sqrt(2 alpha g^T F^+ g) (Cauchy-Schwarz in the F
    inner product), and beats random feasible d. With grad J = 0 (f constant) d* = 0."""
    theta, f = cat(instance)
    alpha = Fraction(alpha_text)
    with mp.workdps(DPS):
        step = ng.natural_step_categorical(theta, f, alpha)
        if all(x == f[0] for x in f):
            assert step == [0] * len(f)
            return
        g = ng.gradient_categorical(theta, f)
        F = ng.fisher_categorical(theta)
        gFg = mp.fdot(g, ng.natural_direction_categorical(theta, f))
        assert abs(mp.fdot(g, step) - mp.sqrt(2 * alpha * gFg)) < TINY * (1 + mp.sqrt(2 * alpha * gFg))
        assert abs(mp.fsum(step)) < TINY * (1 + max(abs(x) for x in step))  # in the range of F
        check_step_optimal(g, F, step, alpha, seed)


@settings(max_examples=10)
@given(gaussian_instances(max_dim=3), st.sampled_from(("1/1000", "1/8", "2")), st.integers(0, 2**32 - 1))
def test_natural_step_optimal_gaussian(instance: Instance, alpha_text: str, seed: int) -> None:
    mean, log_std, c, b, H = gauss(instance)
    alpha = Fraction(alpha_text)
    with mp.workdps(DPS):
        step = ng.natural_step_gaussian(mean, log_std, c, b, H, alpha)
        g = ng.gradient_gaussian(mean, log_std, c, b, H)
        check_step_optimal(g, ng.fisher_gaussian(mean, log_std), step, alpha, seed)


def kl_ball_argmax(theta: Sequence[Any], f: Sequence[Any], budget: Any) -> list[Any]:
    """The exact maximizer of <grad J, d> subject to KL(P_theta || P_theta+d) <= budget (categorical),
    centred. The constraint is convex in d (log-sum-exp), so KKT suffices: g = lam grad_d KL = lam (q - p),
    i.e. q = p (1 + u / lam) with u = f - J, and d = log(q / p) = log(1 + u / lam) up to a constant; lam
    solves -sum_x p log(1 + u / lam) = budget (decreasing in lam), found by bisection."""
    p = ng.probabilities_categorical(theta)
    J = ng.objective_categorical(theta, f)
    u = [to_mpf(x) - J for x in f]

    def kl(lam: Any) -> Any:
        return -mp.fsum(pi * mp.log(1 + ui / lam) for pi, ui in zip(p, u, strict=True))

    lo = max(-ui for ui in u)  # q > 0 needs lam > -u_x
    hi = lo + 1
    while kl(hi) > budget:
        hi = lo + 2 * (hi - lo)
    for _ in range(mp.prec + 20):
        mid = (lo + hi) / 2
        if kl(mid) > budget:
            lo = mid
        else:
            hi = mid
    d = [mp.log(1 + ui / hi) for ui in u]
    mean = mp.fsum(d) / len(d)
    return [x - mean for x in d]


@given(categorical_instances(), st.integers(6, 14))
def test_kl_ball_argmax_is_natural_step(instance: Instance, exponent: int) -> None:
    """Eq. 4/5: the exact maximizer over the KL ball KL(P_theta || P_theta+d) <= alpha is, as alpha -> 0,
    proportional to F^+ grad J: its cosine with F^+ grad J tends to 1, with error O(sqrt(alpha))."""
    theta, f = cat(instance)
    assume(not all(x == f[0] for x in f))
    alpha = to_mpf(10) ** -exponent
    with mp.workdps(DPS):
        exact = kl_ball_argmax(theta, f, alpha)
        nat = ng.natural_direction_categorical(theta, f)
        cos = mp.fdot(exact, nat) / mp.sqrt(mp.fdot(exact, exact) * mp.fdot(nat, nat))
        p_min = min(ng.probabilities_categorical(theta))
        assert 1 - cos < 100 * mp.sqrt(alpha / p_min)


@given(categorical_instances())
def test_kl_ball_argmax_budget(instance: Instance) -> None:
    """Erratum dist.kl_budget (eq. 13): the exact KL-ball maximizer with budget alpha
    approaches d* of the quadratic constraint d^T F d <= 2 alpha (norm ratio -> 1), while a KL budget of
    2 alpha (as printed) gives sqrt(2) times d*. So KL <= alpha matches d^T F d <= 2 alpha, as in eq. 4."""
    theta, f = cat(instance)
    assume(not all(x == f[0] for x in f))
    with mp.workdps(DPS):
        p_min = min(ng.probabilities_categorical(theta))
        alpha = to_mpf(10) ** -24 * p_min
        step = ng.natural_step_categorical(theta, f, alpha)
        norm = mp.sqrt(mp.fdot(step, step))
        meant = kl_ball_argmax(theta, f, alpha)
        printed = kl_ball_argmax(theta, f, 2 * alpha)
        assert abs(mp.sqrt(mp.fdot(meant, meant)) / norm - 1) < to_mpf(10) ** -8
        assert abs(mp.sqrt(mp.fdot(printed, printed)) / norm - mp.sqrt(2)) < to_mpf(10) ** -8


# ---- the oracle's error bounds ---------------------------------------------------------------

DIST_IDS = [f.id for f in spec.formulas() if f.id.startswith("dist.")]


@pytest.mark.parametrize("formula_id", DIST_IDS)
def test_oracle_bound_holds(formula_id: str) -> None:
    """The certified bound at 30 digits (interval arithmetic, oracle/certificates/natural_gradient.py)
    contains the value recomputed at 90 digits, and is tight, on seeded instances of the formula's
    family (uniform, moderate and near-deterministic logits; general H)."""
    f = spec.formula(formula_id)
    family = dist_categorical if f.family == "dist_categorical" else dist_gaussian
    options: list[dict[str, Any]] = (
        [
            {"support": 4, "logit_scale": s, "values": v}
            for s, v in ((0.0, "normal"), (8.0, "integer"), (1.0, "constant"))
        ]
        if family is dist_categorical
        else [{"dim": 3, "log_std_scale": s, "quadratic": q} for s, q in ((1.5, "general"), (0.0, "linear"))]
    )
    for seed, opts in enumerate(options):
        instance = from_mapping(sample_instance(family, seed, opts, [f]))
        value = evaluate(formula_id, instance, 30)
        truth = compute(f, arguments(f, instance), 90)
        with mp.workdps(100):
            worst = max(
                (abs(to_mpf(a) - to_mpf(b)) for a, b in zip(leaves(value.value), leaves(truth), strict=True)),
                default=mp.zero,
            )
            assert worst <= value.error_bound, (formula_id, seed)
            size = max((abs(to_mpf(x)) for x in leaves(truth)), default=mp.zero)
            assert value.error_bound <= mp.mpf(10) ** -30 * (1 + size), (formula_id, seed)  # and it is tight
        assert value.bound == "certified"
        assert math.isfinite(float(value.error_bound))


@given(categorical_instances(), gaussian_instances(max_dim=3))
def test_natural_step_kl_matches_budget(instance: Instance, gaussian: Instance) -> None:
    """Eq. 4 vs 13 from the other side: moving by the natural step d* for budget alpha spends
    KL(P_theta || P_theta+d*) = alpha (1 + O(sqrt(alpha))), not 2 alpha, in both families."""
    theta, f = cat(instance)
    mean, log_std, c, b, H = gauss(gaussian)
    n = len(mean)
    with mp.workdps(DPS):
        alpha = mp.mpf(10) ** -20
        if not all(x == f[0] for x in f):
            p_min = min(ng.probabilities_categorical(theta))
            step = ng.natural_step_categorical(theta, f, alpha * p_min)
            kl = ng.kl_categorical(theta, [to_mpf(x) + d for x, d in zip(theta, step, strict=True)])
            assert abs(kl / (alpha * p_min) - 1) < mp.mpf(10) ** -8
        step = ng.natural_step_gaussian(mean, log_std, c, b, H, alpha)
        if any(step):
            kl = ng.kl_gaussian(
                mean,
                log_std,
                [to_mpf(x) + d for x, d in zip(mean, step[:n], strict=True)],
                [to_mpf(x) + d for x, d in zip(log_std, step[n:], strict=True)],
            )
            assert abs(kl / alpha - 1) < mp.mpf(10) ** -8


@settings(max_examples=10)
@given(
    st.sampled_from(("dist_categorical", "dist_gaussian")),
    st.integers(0, 2**32 - 1),
    st.integers(1, 5),
    st.integers(0, 2),
)
def test_certified_bounds_on_random_instances(family_name: str, seed: int, size: int, choice: int) -> None:
    """Every dist.* certificate holds against a 3x-digit recomputation on random instances of its family
    (all sizes and kinds, including K = 1, constant f, logit scale 8, H = 0)."""
    family = dist_categorical if family_name == "dist_categorical" else dist_gaussian
    formulas = [f for f in spec.formulas() if f.family == family_name]
    if family is dist_categorical:
        options: dict[str, Any] = {
            "support": size,
            "logit_scale": (1.0, 0.0, 4.0, 8.0)[choice + (seed % 2)],
            "values": ("normal", "integer", "constant")[choice],
        }
    else:
        options = {
            "dim": min(size, 3),
            "log_std_scale": (0.5, 0.0, 1.5)[choice],
            "quadratic": ("general", "symmetric", "linear")[seed % 3],
        }
    instance = from_mapping(sample_instance(family, seed, options, formulas))
    for f in formulas:
        value = evaluate(f.id, instance, 40)
        truth = compute(f, arguments(f, instance), 120)
        with mp.workdps(130):
            worst = max(
                (abs(to_mpf(a) - to_mpf(b)) for a, b in zip(leaves(value.value), leaves(truth), strict=True)),
                default=mp.zero,
            )
            assert worst <= value.error_bound, f.id


def test_extreme_logits() -> None:
    """p_min = e^-100 (far below 10^-40): the natural direction is still f - mean(f) to 40 digits, the
    Fisher's pseudo-inverse route through the structure does not amplify rounding by 1 / p_min, and
    the oracle's certified bound at 30 digits is tight."""
    theta = [0, -50, -100, -7]
    f = [Fraction(1, 3), Fraction(2), Fraction(-1), Fraction(5, 7)]
    mean = sum(f, Fraction(0)) / 4
    with mp.workdps(40):
        d = ng.natural_direction_categorical(theta, f)
        assert close(d, [to_mpf(x - mean) for x in f], mp.mpf(10) ** -38)
    instance = from_mapping(
        {
            "family": "dist_categorical",
            "theta": theta,
            "f": ["1/3", 2, -1, "5/7"],
            "params": {"alpha": "1/10"},
        }
    )
    for formula_id in ("dist.natural_direction_categorical", "dist.natural_step_categorical"):
        value = evaluate(formula_id, instance, 30)
        assert value.error_bound < mp.mpf(10) ** -30 * 100
