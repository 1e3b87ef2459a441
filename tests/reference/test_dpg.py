"""Property tests of the DPG section (lecture eqs 33-41) on the lqr and fsca families, and of
DDPG's batch forms: every identity by a second, independent route at 40 digits (series with a
tail bound, finite differences at 3x the digits, closed forms, hand-worked values)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from mpmath import mp

from rlspec.oracle.certificates.dpg import horizon_norm
from rlspec.oracle.errors import InstanceError
from rlspec.oracle.evaluate import arguments, evaluate
from rlspec.oracle.families import fsca as fsca_family
from rlspec.oracle.families import lqr as lqr_family
from rlspec.oracle.instance import Instance, from_mapping
from rlspec.reference import dpg
from rlspec.reference.numbers import mat, to_mpf, transpose, vec
from rlspec.spec import formula
from tests.strategies_dpg import fsca_instances, lqr_instances

DPS = 40
F = Fraction
# always-tried edge cases: near-unstable closed loops (discounted spectral radius 0.999,
# conditioning ~1e3) with gamma = 0.999, and strongly action-coupled fsca at gamma = 0.999
NEAR_UNSTABLE = from_mapping(lqr_family.generate(7, n=3, m=2, gamma=0.999, rho=0.999))
NEAR_UNSTABLE_SCALAR = from_mapping(lqr_family.generate(8, n=1, m=1, gamma=0.99, rho=0.999))
FAR_SIGHTED_FSCA = from_mapping(fsca_family.generate(9, states=3, action_dim=2, gamma=0.999, coupling=3.0))


def lqr_args(inst: Instance) -> list[Any]:
    return [inst.data[k] for k in ("gamma", "A", "B", "Q", "R", "W", "Sigma0", "K")]


def fsca_args(inst: Instance) -> list[Any]:
    return [inst.data[k] for k in ("gamma", "mu", "L", "G", "c", "h", "H", "theta")]


def close(x: Any, y: Any, tol: Any) -> bool:
    return bool(abs(mp.mpf(x) - mp.mpf(y)) <= tol)


# ---- LQR: the trajectory route (eq 33) as a truncated series with a tail bound -----------------


def lqr_trajectory_value(
    gamma: Any, A: Any, B: Any, Q: Any, R: Any, W: Any, Sigma0: Any, K: Any, tol: Any
) -> tuple[Any, Any]:
    """sum_{t<T} gamma^t E[r_t] with Sigma_{t+1} = M Sigma_t M^T + W, T = 2^k, summed by doubling
    (F_{2T}(X) = F_T(X) + gamma^T F_T(Sigma_T(X))), and a rigorous bound on the tail t >= T:
    |tail| <= ||C||_2 gamma^T ||Z||_2 (tr Sigma_T + gamma/(1-gamma) tr W), Z = sum_k gamma^k M^kT M^k."""
    g = to_mpf(gamma)
    M = dpg.closed_loop(A, B, K)
    C = dpg.policy_cost(Q, R, K)
    w, s0 = mat(W), mat(Sigma0)
    c_norm = mp.sqrt(mp.fsum(x * x for row in C for x in row))
    z_norm = horizon_norm(M, g)
    CT, b, U, power, gp = C, mp.zero, w, M, g  # T = 1: C_1 = C, b_1 = 0, U_1 = W, M^1, gamma^1
    for _ in range(40):
        sigma_T = dpg.add(dpg.matmul(dpg.matmul(power, s0), transpose(power)), U)
        tail = c_norm * gp * z_norm * (dpg.trace(sigma_T) + g / (1 - g) * dpg.trace(w)) if g > 0 else mp.zero
        if tail < tol:
            break
        moved = dpg.matmul(dpg.matmul(transpose(power), CT), power)
        b = b + gp * (dpg.trace_product(CT, U) + b)
        U = dpg.add(U, dpg.matmul(dpg.matmul(power, U), transpose(power)))
        CT = dpg.add(CT, dpg.scale(gp, moved))
        power, gp = dpg.matmul(power, power), gp * gp
    else:
        raise AssertionError("the series did not converge in 2^40 steps")
    return -(dpg.trace_product(CT, s0) + b), tail


@example(NEAR_UNSTABLE)
@example(NEAR_UNSTABLE_SCALAR)
@given(lqr_instances())
def test_lqr_value_trajectory_and_visitation_forms(inst: Instance) -> None:
    """eq 33 (trajectories) = eq 35-36 (visitation): -1/(1-gamma) tr(C_K Sigma_d) = Lyapunov form."""
    args = lqr_args(inst)
    gamma, A, B, Q, R, W, Sigma0, K = args
    with mp.workdps(DPS):
        value = dpg.value(*args)
        g = to_mpf(gamma)
        sigma_d = dpg.visitation(gamma, A, B, W, Sigma0, K)
        by_visitation = -dpg.trace_product(dpg.policy_cost(Q, R, K), sigma_d) / (1 - g)
        tol = mp.mpf(10) ** (-DPS + 12) * (1 + abs(value))
        by_trajectory, tail = lqr_trajectory_value(gamma, A, B, Q, R, W, Sigma0, K, tol=mp.mpf(10) ** (-DPS))
        assert close(value, by_visitation, tol)
        assert close(value, by_trajectory, tail + tol)


@example(NEAR_UNSTABLE, [3, -2, 5])
@given(lqr_instances(), st.lists(st.integers(-9, 9), min_size=3, max_size=3))
def test_lqr_v_equals_q_at_policy_action(inst: Instance, entries: list[int]) -> None:
    """V(s) = Q(s, pi(s)) (eq 38): Q^K(s, K s) against the trajectory value started at s (Sigma0 = s s^T)."""
    gamma, A, B, Q, R, W, _, K = lqr_args(inst)
    n = len(A)
    s = [F(x, 4) for x in entries[:n]]
    a = [sum((K[i][j] * s[j] for j in range(n)), F(0)) for i in range(len(K))]
    point = [[s[i] * s[j] for j in range(n)] for i in range(n)]
    with mp.workdps(DPS):
        q = dpg.q(gamma, A, B, Q, R, W, K, s, a)
        v, tail = lqr_trajectory_value(gamma, A, B, Q, R, W, point, K, tol=mp.mpf(10) ** (-DPS))
        assert close(q, v, tail + mp.mpf(10) ** (-DPS + 12) * (1 + abs(v)))


def lqr_fd_gradient(args: list[Any], value_of_k: Any, dps: int) -> list[list[Any]]:
    """Central differences of value_of_k(K) at 3x the digits, step 10^-dps: truncation error
    ~ 10^-2dps times the third derivative, rounding ~ 10^-3dps |V| / 10^-dps."""
    K = args[-1]
    out = []
    with mp.workdps(3 * dps):
        h = mp.mpf(10) ** (-dps)
        for i in range(len(K)):
            row = []
            for j in range(len(K[0])):
                up = [
                    [to_mpf(x) + (h if (r, c) == (i, j) else 0) for c, x in enumerate(rr)]
                    for r, rr in enumerate(K)
                ]
                dn = [
                    [to_mpf(x) - (h if (r, c) == (i, j) else 0) for c, x in enumerate(rr)]
                    for r, rr in enumerate(K)
                ]
                row.append((value_of_k(up) - value_of_k(dn)) / (2 * h))
            out.append(row)
    return out


def value_with_k(args: list[Any], k: Any) -> Any:
    gamma, A, B, Q, R, W, Sigma0, _ = args
    return dpg.value(gamma, A, B, Q, R, W, Sigma0, k)


def max_diff(x: list[list[Any]], y: list[list[Any]]) -> Any:
    return max(abs(a - b) for ra, rb in zip(x, y, strict=True) for a, b in zip(ra, rb, strict=True))


@example(NEAR_UNSTABLE)
@example(NEAR_UNSTABLE_SCALAR)
@given(lqr_instances())
def test_lqr_dpg_theorem_equals_finite_differences(inst: Instance) -> None:
    """eq 37 (the DPG theorem, dpg.gradient) = central finite differences of V^K(mu) at 3x digits."""
    args = lqr_args(inst)
    with mp.workdps(DPS):
        theorem = dpg.gradient(*args)
    fd = lqr_fd_gradient(args, lambda k: value_with_k(args, k), DPS)
    with mp.workdps(DPS):
        top = max(abs(x) for row in fd for x in row)
        assert max_diff(theorem, fd) <= mp.mpf(10) ** (-DPS + 15) * (1 + top)


@example(NEAR_UNSTABLE, [3, -2, 5])
@given(lqr_instances(), st.lists(st.integers(-9, 9), min_size=3, max_size=3))
def test_lqr_theorem_from_single_start_state(inst: Instance, entries: list[int]) -> None:
    """eq 41 with d_{s_0}: the theorem with mu = the point mass at s_0 (Sigma0 = s_0 s_0^T) equals
    the finite-difference gradient of V(s_0) = Q^K(s_0, K s_0) (eq 38) in K."""
    gamma, A, B, Q, R, W, _, K = lqr_args(inst)
    n = len(A)
    s = [F(x + 10, 4) for x in entries[:n]]  # nonzero
    point = [[s[i] * s[j] for j in range(n)] for i in range(n)]
    args = [gamma, A, B, Q, R, W, point, K]
    with mp.workdps(DPS):
        theorem = dpg.gradient(*args)

    def v_at_s(k: Any) -> Any:
        a = [mp.fsum(k[i][j] * to_mpf(s[j]) for j in range(n)) for i in range(len(k))]
        return dpg.q(gamma, A, B, Q, R, W, k, s, a)

    fd = lqr_fd_gradient(args, v_at_s, DPS)
    with mp.workdps(DPS):
        top = max(abs(x) for row in fd for x in row)
        assert max_diff(theorem, fd) <= mp.mpf(10) ** (-DPS + 15) * (1 + top)


def test_lqr_scalar_closed_form() -> None:
    """n = m = 1 by hand: P = (q + r k^2)/(1 - gamma M^2), M = a + b k, V = -(P sigma0 + gamma/(1-gamma) P w),
    dV/dk = -(sigma0 + gamma w/(1-gamma)) dP/dk, Sigma_d = ((1-gamma) sigma0 + gamma w)/(1 - gamma M^2)."""
    a, b, k, q, r, w, s0, g = F(1, 2), F(1), F(-1, 4), F(1), F(2), F(1, 10), F(1), F(9, 10)
    M = a + b * k
    P = (q + r * k * k) / (1 - g * M * M)
    value = -(P * s0 + g / (1 - g) * P * w)
    dP = (2 * r * k * (1 - g * M * M) + (q + r * k * k) * 2 * g * M * b) / (1 - g * M * M) ** 2
    grad = -(s0 + g * w / (1 - g)) * dP
    sigma_d = ((1 - g) * s0 + g * w) / (1 - g * M * M)
    args: list[Any] = [g, [[a]], [[b]], [[q]], [[r]], [[w]], [[s0]], [[k]]]
    with mp.workdps(DPS):
        tol = mp.mpf(10) ** (-DPS + 3)
        assert close(dpg.value(*args), to_mpf(value), tol)
        assert close(dpg.gradient(*args)[0][0], to_mpf(grad), tol)
        assert close(dpg.visitation(g, [[a]], [[b]], [[w]], [[s0]], [[k]])[0][0], to_mpf(sigma_d), tol)
        # Q(s, a') at s = 2, a' = 1: -(q s^2 + r a'^2) - g ((a s + b a')^2 P + g/(1-g) P w)
        expected_q = -(q * 4 + r) - g * ((a * 2 + b) ** 2 * P + P * w / (1 - g))
        assert close(dpg.q(g, [[a]], [[b]], [[q]], [[r]], [[w]], [[k]], [2], [1]), to_mpf(expected_q), tol)


def test_lqr_validator_refuses() -> None:
    raw = lqr_family.generate(3, n=2, m=1, gamma=0.9, rho=0.5)
    bad = dict(raw, K=[[100.0, -100.0]])
    with pytest.raises(InstanceError, match="does not stabilize") as info:
        from_mapping(bad)
    assert info.value.key == "K"
    # stable without discounting is not required: sqrt(gamma) rho(M) < 1 is
    from_mapping(lqr_family.generate(3, n=2, m=1, gamma=0.25, rho=0.9))  # rho(M) = 1.8
    with pytest.raises(InstanceError, match="symmetric"):
        from_mapping(dict(raw, Q=[[1.0, 0.5], [0.0, 1.0]]))
    with pytest.raises(InstanceError, match="semidefinite"):
        from_mapping(dict(raw, W=[[1.0, 2.0], [2.0, 1.0]]))


# ---- fsca -------------------------------------------------------------------------------------------


@example(FAR_SIGHTED_FSCA)
@given(fsca_instances())
def test_fsca_value_trajectory_and_visitation_forms(inst: Instance) -> None:
    """eq 33 (V(mu) = E_mu V(s_0), by a linear solve) = eq 33-34 (sum_t gamma^t mu^T P_pi^t r_pi, the
    trajectory expectation, doubled to T = 2^k terms, tail <= gamma^T max|r_pi|/(1-gamma))
    = eq 35-36 (1/(1-gamma) sum_s d(s) E_{s'} r(s, pi(s), s'))."""
    gamma, mu, L, G, c, h, H, theta = fsca_args(inst)
    with mp.workdps(DPS):
        g = to_mpf(gamma)
        value = dpg.fsca_value(gamma, mu, L, G, c, h, H, theta)
        r = dpg.fsca_policy_reward(L, G, c, h, H, theta)
        d = dpg.fsca_visitation(gamma, mu, L, G, theta)
        by_visitation = mp.fdot(d, r) / (1 - g)
        P = dpg.fsca_policy_transition(L, G, theta)
        n = len(P)
        S = [[mp.one if i == j else mp.zero for j in range(n)] for i in range(n)]  # sum_{t<T} g^t P^t, T = 1
        power, gp = P, g
        top = max(abs(x) for x in r)
        while gp * top / (1 - g) > mp.mpf(10) ** (-DPS):
            S = dpg.add(S, dpg.scale(gp, dpg.matmul(S, power)))
            power, gp = dpg.matmul(power, power), gp * gp
        by_trajectory = mp.fdot(vec(mu), dpg.matvec(S, r))
        tail = gp * top / (1 - g)
        tol = mp.mpf(10) ** (-DPS + 8) * (1 + abs(value))
        assert close(value, by_visitation, tol)
        assert close(value, by_trajectory, tail + tol)


@example(FAR_SIGHTED_FSCA)
@given(fsca_instances())
def test_fsca_v_equals_q_at_policy_action(inst: Instance) -> None:
    """V(s) = Q(s, pi(s)) = sum_s1 p(s1|s, pi(s)) (r + gamma V(s1)) (eq 38)."""
    gamma, _, L, G, c, h, H, theta = fsca_args(inst)
    with mp.workdps(DPS):
        v = dpg.fsca_v(gamma, L, G, c, h, H, theta)
        q = dpg.fsca_q(gamma, L, G, c, h, H, theta, theta)
        tol = mp.mpf(10) ** (-DPS + 8) * (1 + max(abs(x) for x in v))
        assert all(close(x, y, tol) for x, y in zip(v, q, strict=True))


def fsca_fd_gradient(theta: Any, fn: Any, dps: int) -> list[list[Any]]:
    """Central differences in theta[s][i] of fn(theta) (a scalar or a list of scalars) at 3x digits,
    step 10^-dps (error ~ 10^-2dps)."""
    out = []
    with mp.workdps(3 * dps):
        h = mp.mpf(10) ** (-dps)
        for s in range(len(theta)):
            row = []
            for i in range(len(theta[0])):
                up = [
                    [to_mpf(x) + (h if (r, j) == (s, i) else 0) for j, x in enumerate(rr)]
                    for r, rr in enumerate(theta)
                ]
                dn = [
                    [to_mpf(x) - (h if (r, j) == (s, i) else 0) for j, x in enumerate(rr)]
                    for r, rr in enumerate(theta)
                ]
                hi, lo = fn(up), fn(dn)
                if isinstance(hi, list):
                    row.append([(x - y) / (2 * h) for x, y in zip(hi, lo, strict=True)])
                else:
                    row.append((hi - lo) / (2 * h))
            out.append(row)
    return out


@example(FAR_SIGHTED_FSCA)
@given(fsca_instances())
def test_fsca_dpg_theorem_equals_finite_differences(inst: Instance) -> None:
    """eq 37 (fsca.gradient) = central finite differences of V(mu) in theta at 3x the digits."""
    gamma, mu, L, G, c, h, H, theta = fsca_args(inst)
    with mp.workdps(DPS):
        theorem = dpg.fsca_gradient(gamma, mu, L, G, c, h, H, theta)
    fd = fsca_fd_gradient(theta, lambda t: dpg.fsca_value(gamma, mu, L, G, c, h, H, t), DPS)
    with mp.workdps(DPS):
        top = max(abs(x) for row in fd for x in row)
        assert max_diff(theorem, fd) <= mp.mpf(10) ** (-DPS + 12) * (1 + top)


@example(FAR_SIGHTED_FSCA)
@given(fsca_instances(max_states=3))
def test_fsca_proof_decomposition(inst: Instance) -> None:
    """eq 39: grad_theta V(s_0) = [first + second + third terms on the block theta[s_0]]
    + gamma sum_s1 p(s1|s0, pi(s0)) grad_theta V(s1), every gradient by finite differences;
    and the second and third terms are not zero when the transition depends on the action."""
    gamma, _, L, G, c, h, H, theta = fsca_args(inst)
    n, m = len(theta), len(theta[0])
    fd = fsca_fd_gradient(theta, lambda t: dpg.fsca_v(gamma, L, G, c, h, H, t), DPS)  # fd[s][i][s0]
    with mp.workdps(DPS):
        g = to_mpf(gamma)
        v = dpg.fsca_v(gamma, L, G, c, h, H, theta)
        top = max(abs(x) for row in fd for col in row for x in col)
        tol = mp.mpf(10) ** (-DPS + 12) * (1 + top)
        coupled = False
        for s0 in range(n):
            first, second, third = dpg.fsca_proof_terms(gamma, L, G, c, h, H, v, s0, theta[s0])
            p = dpg.fsca_transition(L, G, s0, theta[s0])
            for s in range(n):
                for i in range(m):
                    rhs = g * mp.fsum(p[s1] * fd[s][i][s1] for s1 in range(n))
                    if s == s0:
                        rhs += first[i] + second[i] + third[i]
                    assert close(fd[s][i][s0], rhs, tol)
            coupled = coupled or max(abs(x) for x in second + third) > mp.mpf(10) ** -10
        if n > 1 and any(x != 0 for block in G for row in block for x in row):
            assert coupled


@example(FAR_SIGHTED_FSCA)
@given(fsca_instances())
def test_fsca_first_three_terms_equal_action_gradient(inst: Instance) -> None:
    """eq 40: the first three terms of eq 39 sum to grad_a Q(s_0, a) at a = pi(s_0), Q taken at s_0
    (the lecture prints Q(s, a)); grad_a Q by central differences at 3x the digits."""
    gamma, _, L, G, c, h, H, theta = fsca_args(inst)
    n, m = len(theta), len(theta[0])
    with mp.workdps(DPS):
        v = dpg.fsca_v(gamma, L, G, c, h, H, theta)
        terms = [dpg.fsca_proof_terms(gamma, L, G, c, h, H, v, s0, theta[s0]) for s0 in range(n)]
    with mp.workdps(3 * DPS):
        step = mp.mpf(10) ** (-(DPS + 5))
        v3 = dpg.fsca_v(gamma, L, G, c, h, H, theta)
        fd = []
        for s0 in range(n):
            row = []
            for i in range(m):
                up = [to_mpf(x) + (step if j == i else 0) for j, x in enumerate(theta[s0])]
                dn = [to_mpf(x) - (step if j == i else 0) for j, x in enumerate(theta[s0])]
                q_up = dpg.fsca_q_from_v(gamma, L, G, c, h, H, v3, s0, up)
                q_dn = dpg.fsca_q_from_v(gamma, L, G, c, h, H, v3, s0, dn)
                row.append((q_up - q_dn) / (2 * step))
            fd.append(row)
    with mp.workdps(DPS):
        top = max(abs(x) for row in fd for x in row)
        for s0 in range(n):
            first, second, third = terms[s0]
            for i in range(m):
                assert close(first[i] + second[i] + third[i], fd[s0][i], mp.mpf(10) ** (-DPS + 8) * (1 + top))


@example(FAR_SIGHTED_FSCA)
@given(fsca_instances(max_states=3))
def test_fsca_theorem_from_single_start_state(inst: Instance) -> None:
    """eq 41: grad_theta V(s_0) = 1/(1-gamma) E_{s ~ d_{s_0}}[grad pi grad_a Q], d_{s_0} the visitation
    started at s_0 (fsca.gradient with mu = the point mass), against finite differences of V(s_0);
    averaging over s_0 ~ mu gives the theorem for d_mu ("averaging over all s_0")."""
    gamma, mu, L, G, c, h, H, theta = fsca_args(inst)
    n = len(theta)
    fd = fsca_fd_gradient(theta, lambda t: dpg.fsca_v(gamma, L, G, c, h, H, t), DPS)
    with mp.workdps(DPS):
        top = max(abs(x) for row in fd for col in row for x in col)
        tol = mp.mpf(10) ** (-DPS + 12) * (1 + top)
        per_start = []
        for s0 in range(n):
            point = [F(int(s == s0)) for s in range(n)]
            grad = dpg.fsca_gradient(gamma, point, L, G, c, h, H, theta)
            per_start.append(grad)
            assert all(close(grad[s][i], fd[s][i][s0], tol) for s in range(n) for i in range(len(theta[0])))
        averaged = dpg.fsca_gradient(gamma, mu, L, G, c, h, H, theta)
        for s in range(n):
            for i in range(len(theta[0])):
                mix = mp.fsum(to_mpf(mu[s0]) * per_start[s0][s][i] for s0 in range(n))
                assert close(averaged[s][i], mix, tol)


# ---- oracle bounds: the printed bound contains the value recomputed at 3x the digits -------------


def check_bound(formula_id: str, inst: Instance, dps: int, truth: Any, slack: Any = 0) -> None:
    """|oracle value - truth| <= printed bound (+ slack: the error of a finite-difference truth)."""
    result = evaluate(formula_id, inst, dps)
    with mp.workdps(3 * dps):
        values = result.value if isinstance(result.value, list) else [result.value]
        truths = truth if isinstance(truth, list) else [truth]
        flat_v = [x for row in values for x in (row if isinstance(row, list) else [row])]
        flat_t = [x for row in truths for x in (row if isinstance(row, list) else [row])]
        err = max(abs(mp.mpf(x) - mp.mpf(y)) for x, y in zip(flat_v, flat_t, strict=True))
        assert err <= result.error_bound + slack, (formula_id, err, result.error_bound)
        assert result.bound == "certified"


def fd_slack(fd: list[list[Any]], dps: int) -> Any:
    """The finite differences' own error at 3x the digits with step 10^-dps: ~10^-2dps, padded."""
    with mp.workdps(3 * dps):
        return mp.mpf(10) ** (-2 * dps + 8) * (1 + max(abs(x) for row in fd for x in row))


@example(NEAR_UNSTABLE)
@example(NEAR_UNSTABLE_SCALAR)
@given(lqr_instances())
def test_oracle_bounds_lqr(inst: Instance) -> None:
    """lqr.value, lqr.q, lqr.visitation against 3x-digit recomputation; dpg.gradient against
    finite differences at 3x the digits."""
    dps = 20
    args = lqr_args(inst)
    gamma, A, B, Q, R, W, Sigma0, K = args
    n, m = len(A), len(K)
    inst.params.update({"s": [F(i + 1, 3) for i in range(n)], "a": [F(-1, 2)] * m})
    with mp.workdps(3 * dps):
        check_bound("lqr.value", inst, dps, dpg.value(*args))
        check_bound("lqr.q", inst, dps, dpg.q(gamma, A, B, Q, R, W, K, inst.params["s"], inst.params["a"]))
        check_bound("lqr.visitation", inst, dps, dpg.visitation(gamma, A, B, W, Sigma0, K))
    fd = lqr_fd_gradient(args, lambda k: value_with_k(args, k), dps)
    check_bound("dpg.gradient", inst, dps, fd, fd_slack(fd, dps))


@example(FAR_SIGHTED_FSCA)
@given(fsca_instances())
def test_oracle_bounds_fsca(inst: Instance) -> None:
    dps = 20
    gamma, mu, L, G, c, h, H, theta = fsca_args(inst)
    inst.params["a"] = [[F(1, 3) - x for x in row] for row in theta]
    with mp.workdps(3 * dps):
        check_bound("fsca.v", inst, dps, dpg.fsca_v(gamma, L, G, c, h, H, theta))
        check_bound("fsca.value", inst, dps, dpg.fsca_value(gamma, mu, L, G, c, h, H, theta))
        check_bound("fsca.q", inst, dps, dpg.fsca_q(gamma, L, G, c, h, H, theta, inst.params["a"]))
        check_bound("fsca.visitation", inst, dps, dpg.fsca_visitation(gamma, mu, L, G, theta))
    fd = fsca_fd_gradient(theta, lambda t: dpg.fsca_value(gamma, mu, L, G, c, h, H, t), dps)
    check_bound("fsca.gradient", inst, dps, fd, fd_slack(fd, dps))


# ---- DDPG batch forms ----------------------------------------------------------------------------


def test_ddpg_batch_forms_by_hand() -> None:
    r, done, q_next = [F(1), F(-1, 2), F(0)], [F(0), F(1), F(0)], [F(2), F(5), F(-4)]
    gamma = F(9, 10)
    with mp.workdps(DPS):
        y = dpg.critic_target(r, done, gamma, q_next)
        assert [mp.nstr(x, 10) for x in y] == ["2.8", "-0.5", "-3.6"]  # the terminal entry does not bootstrap
        # mean of (q - y)^2 with q - y = (1, -1/2, 2): (1 + 1/4 + 4) / 3 = 7/4
        assert close(
            dpg.critic_loss([F(19, 5), F(-1), F(-8, 5)], y), to_mpf(F(7, 4)), mp.mpf(10) ** (-DPS + 2)
        )
        assert close(dpg.actor_objective([F(1), F(2), F(6)]), 3, mp.mpf(10) ** (-DPS + 2))
        # tau weights the online parameters: 0.005 * 10 + 0.995 * 0 = 0.05
        assert close(
            dpg.soft_update([F(10)], [F(0)], F(5, 1000))[0], to_mpf(F(1, 20)), mp.mpf(10) ** (-DPS + 2)
        )


def test_ddpg_oracle_on_batch_instance() -> None:
    inst = from_mapping(
        {
            "family": "batch",
            "params": {
                "r": [1.0, 0.5],
                "done": [0.0, 1.0],
                "gamma": 0.5,
                "q_next": [3.0, 7.0],
                "q": [1.0, 2.0],
                "y": [0.0, 0.0],
                "q_pi": [1.0, 4.0],
                "theta": [1.0, 3.0],
                "theta_target": [3.0, 1.0],
                "tau": 0.25,
            },
        }
    )
    expected = {
        "ddpg.critic_target": ["2.5", "0.5"],
        "ddpg.critic_loss": "2.5",
        "ddpg.actor_objective": "2.5",
        "ddpg.soft_update": ["2.5", "1.5"],
    }
    for formula_id, want in expected.items():
        f = formula(formula_id)
        assert len(arguments(f, inst)) == len(f.args)
        got = evaluate(formula_id, inst, 20).value
        with mp.workdps(20):
            shown = [mp.nstr(x, 10) for x in got] if isinstance(got, list) else mp.nstr(got, 10)
        assert shown == want


def test_fsca_single_state_closed_form() -> None:
    """S = 1, m = 1 by hand: the chain stays put, V = r(a)/(1-gamma) with r(a) = c + h a - H a^2,
    and the DPG gradient is d/(1-gamma) grad_a Q = (h - 2 H a)/(1-gamma) (d = 1; the softmax over
    one next state does not depend on a, whatever G is)."""
    g, c, h, H, a = F(3, 4), F(1, 2), F(2), F(3), F(1, 5)
    args: list[Any] = [g, [F(1)], [[F(7)]], [[[F(5)]]], [[c]], [[[h]]], [[[H]]], [[a]]]
    with mp.workdps(DPS):
        tol = mp.mpf(10) ** (-DPS + 3)
        assert close(dpg.fsca_value(*args), to_mpf((c + h * a - H * a * a) / (1 - g)), tol)
        assert close(dpg.fsca_gradient(*args)[0][0], to_mpf((h - 2 * H * a) / (1 - g)), tol)


def test_cli_refuses_unstable_k(tmp_path: Any, capsys: Any) -> None:
    """A K that does not stabilize the discounted loop: one line naming K, exit status 2."""
    import json

    from rlspec.cli import main

    raw = lqr_family.generate(3, n=2, m=1, gamma=0.9, rho=0.5)
    raw["K"] = [[100.0, -100.0]]
    path = tmp_path / "unstable.json"
    path.write_text(json.dumps(raw))
    assert main(["oracle", "lqr.value", "--instance", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("rlspec: bad instance: K: does not stabilize")


def test_ddpg_timeouts_bootstrap() -> None:
    """A time-out (truncated) bootstraps, a terminal state does not; both flags: terminal wins."""
    r, q_next, gamma = [F(1), F(1), F(1), F(1)], [F(10)] * 4, F(1, 2)
    terminated, truncated = [F(0), F(1), F(0), F(1)], [F(0), F(0), F(1), F(1)]
    with mp.workdps(DPS):
        y = dpg.critic_target_timeouts(r, terminated, truncated, gamma, q_next)
        assert [mp.nstr(x, 10) for x in y] == ["6.0", "1.0", "6.0", "1.0"]
