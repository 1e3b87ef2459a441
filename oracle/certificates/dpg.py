"""Error certificates for the DPG section (lqr and fsca families).

Each function is called as `certify(*args, value=value)` inside `mp.workdps(2 * working_dps)`:
it recomputes the quantity at the higher precision, bounds the error of that recomputation
rigorously from a residual, and returns |recomputed - value| + that bound (+ a floor for the
rounding of the residual evaluation itself).

LQR. For the discounted Lyapunov map T(X) = Y + g M^T X M (or its dual Y + g M X M^T), a
symmetric approximation X~ with residual Res = T(X~) - X~ has error E = X - X~ =
sum_k g^k M^kT Res M^k, so |x^T E x| <= ||Res||_2 x^T Z x with Z = sum_k g^k M^kT M^k, the
solution of Z = I + g M^T Z M: ||E||_2 <= ||Res||_F ||Z||_2. Z itself is only approximated, by
Z~ with residual R_Z; the same argument gives ||Z - Z~||_2 <= ||R_Z||_F ||Z||_2, so
||Z||_2 <= ||Z~||_F / (1 - ||R_Z||_F) when ||R_Z||_F < 1. The series converges exactly when
sqrt(g) rho(M) < 1, which the family's validator enforces.

fsca. Policy evaluation V = r_pi + g P_pi V is a g-contraction in the sup norm, the visitation
equation d = (1-g) mu + g P_pi^T d one in the l1 norm: the error is <= residual / (1 - g).
"""

from __future__ import annotations

from typing import Any

from mpmath import mp

from rlspec.reference import dpg
from rlspec.reference.numbers import Mat, identity, mat, to_mpf, transpose, vec


def _frobenius(X: Mat) -> Any:
    return mp.sqrt(mp.fsum(x * x for row in X for x in row))


def _apply(M: Mat, X: Mat, g: Any, dual: bool) -> Mat:
    """g M^T X M, or g M X M^T when dual."""
    Mt = transpose(M)
    product = dpg.matmul(dpg.matmul(M, X), Mt) if dual else dpg.matmul(dpg.matmul(Mt, X), M)
    return dpg.scale(g, product)


def _residual(M: Mat, Y: Mat, X: Mat, g: Any, dual: bool) -> Any:
    """||Y + g op(X) - X||_F."""
    TX = dpg.add(Y, _apply(M, X, g, dual))
    return _frobenius([[a - b for a, b in zip(ra, rb, strict=True)] for ra, rb in zip(TX, X, strict=True)])


def _ulp() -> Any:
    return mp.mpf(10) ** (-(mp.dps - 3))


def horizon_norm(M: Mat, g: Any, dual: bool = False) -> Any:
    """A rigorous upper bound on ||Z||_2, Z = sum_k g^k M^kT M^k (dual: M^k M^kT)."""
    n = len(M)
    eye = identity(n)
    Z = dpg.lyapunov(M, eye, g, dual)
    res = _residual(M, eye, Z, g, dual) + _ulp() * (1 + _frobenius(Z))
    if res >= 1:
        raise ArithmeticError("Lyapunov certificate failed: the closed loop is too close to unstable")
    return _frobenius(Z) / (1 - res)


def lyapunov_error(M: Mat, Y: Mat, X: Mat, g: Any, dual: bool = False) -> Any:
    """A rigorous bound on ||X_true - X||_2 for X ~ the solution of X = Y + g op(X)."""
    res = _residual(M, Y, X, g, dual) + _ulp() * (_frobenius(Y) + _frobenius(X))
    return res * horizon_norm(M, g, dual)


def _diff(a: Any, b: Any) -> Any:
    if isinstance(a, list):
        return max((_diff(x, y) for x, y in zip(a, b, strict=True)), default=mp.zero)
    return abs(mp.mpf(a) - mp.mpf(b))


def _lqr_p_with_error(gamma: Any, A: Any, B: Any, Q: Any, R: Any, K: Any) -> tuple[Mat, Any]:
    g = to_mpf(gamma)
    M = dpg.closed_loop(A, B, K)
    C = dpg.policy_cost(Q, R, K)
    P = dpg.lyapunov(M, C, g)
    return P, lyapunov_error(M, C, P, g)


def _sigma_with_error(gamma: Any, A: Any, B: Any, W: Any, Sigma0: Any, K: Any) -> tuple[Mat, Any]:
    g = to_mpf(gamma)
    M = dpg.closed_loop(A, B, K)
    Y = dpg.visitation_source(gamma, W, Sigma0)
    S = dpg.lyapunov(M, Y, g, dual=True)
    return S, lyapunov_error(M, Y, S, g, dual=True)


def value(gamma: Any, A: Any, B: Any, Q: Any, R: Any, W: Any, Sigma0: Any, K: Any, *, value: Any) -> Any:
    """|V - value| <= |V~ - value| + ||E||_2 (tr Sigma0 + g/(1-g) tr W) (W, Sigma0 PSD)."""
    g = to_mpf(gamma)
    P, err = _lqr_p_with_error(gamma, A, B, Q, R, K)
    recomputed = dpg.lqr_value_from_p(gamma, P, W, Sigma0)
    spread = dpg.trace(mat(Sigma0)) + g / (1 - g) * dpg.trace(mat(W))
    return abs(recomputed - value) + err * spread + _ulp() * (1 + abs(recomputed))


def q(gamma: Any, A: Any, B: Any, Q: Any, R: Any, W: Any, K: Any, s: Any, a: Any, *, value: Any) -> Any:
    """|Q - value| <= |Q~ - value| + g ||E||_2 (|A s + B a|^2 + tr W/(1-g))."""
    g = to_mpf(gamma)
    P, err = _lqr_p_with_error(gamma, A, B, Q, R, K)
    recomputed = dpg.lqr_q_from_p(gamma, A, B, Q, R, W, P, s, a)
    y = [p + r for p, r in zip(dpg.matvec(mat(A), vec(s)), dpg.matvec(mat(B), vec(a)), strict=True)]
    spread = mp.fsum(t * t for t in y) + dpg.trace(mat(W)) / (1 - g)
    return abs(recomputed - value) + g * err * spread + _ulp() * (1 + abs(recomputed))


def visitation(gamma: Any, A: Any, B: Any, W: Any, Sigma0: Any, K: Any, *, value: Any) -> Any:
    """Every entry of Sigma_d - Sigma_d~ is at most ||E||_2."""
    S, err = _sigma_with_error(gamma, A, B, W, Sigma0, K)
    return _diff(S, value) + err + _ulp() * (1 + _frobenius(S))


def gradient(
    gamma: Any, A: Any, B: Any, Q: Any, R: Any, W: Any, Sigma0: Any, K: Any, *, value: Any
) -> Any:
    """grad = -2/(1-g) E_K Sigma_d with E_K = R K + g B^T P M: the errors of P and Sigma_d
    propagate through ||dE||_F <= g ||B||_F ||dP||_2 ||M||_F and a product rule."""
    g = to_mpf(gamma)
    P, err_p = _lqr_p_with_error(gamma, A, B, Q, R, K)
    S, err_s = _sigma_with_error(gamma, A, B, W, Sigma0, K)
    E = dpg.lqr_action_gradient_matrix(gamma, A, B, R, K, P)
    recomputed = dpg.scale(-2 / (1 - g), dpg.matmul(E, S))
    err_e = g * _frobenius(mat(B)) * err_p * _frobenius(dpg.closed_loop(A, B, K))
    n = len(S)
    err_s_f = err_s * mp.sqrt(n)  # ||X||_F <= sqrt(n) ||X||_2
    propagated = 2 / (1 - g) * (err_e * (_frobenius(S) + err_s_f) + _frobenius(E) * err_s_f)
    return _diff(recomputed, value) + propagated + _ulp() * (1 + _frobenius(recomputed))


# ---- fsca ---------------------------------------------------------------------------------------


def _fsca_v_with_error(
    gamma: Any, L: Any, G: Any, c: Any, h: Any, H: Any, theta: Any
) -> tuple[list[Any], Any]:
    g = to_mpf(gamma)
    V = dpg.fsca_v(gamma, L, G, c, h, H, theta)
    p = dpg.fsca_policy_transition(L, G, theta)
    r = dpg.fsca_policy_reward(L, G, c, h, H, theta)
    res = max(abs(r[s] + g * mp.fdot(p[s], V) - V[s]) for s in range(len(V)))
    scale_ = max(abs(x) for x in V) + max(abs(x) for x in r)
    return V, (res + _ulp() * (1 + scale_)) / (1 - g)


def _fsca_d_with_error(gamma: Any, mu: Any, L: Any, G: Any, theta: Any) -> tuple[list[Any], Any]:
    g = to_mpf(gamma)
    d = dpg.fsca_visitation(gamma, mu, L, G, theta)
    p = dpg.fsca_policy_transition(L, G, theta)
    m = vec(mu)
    n = len(d)
    res = mp.fsum(
        abs((1 - g) * m[s] + g * mp.fsum(p[t][s] * d[t] for t in range(n)) - d[s]) for s in range(n)
    )
    return d, (res + _ulp() * n) / (1 - g)


def fsca_v(gamma: Any, L: Any, G: Any, c: Any, h: Any, H: Any, theta: Any, *, value: Any) -> Any:
    V, err = _fsca_v_with_error(gamma, L, G, c, h, H, theta)
    return _diff(V, value) + err


def fsca_value(gamma: Any, mu: Any, L: Any, G: Any, c: Any, h: Any, H: Any, theta: Any, *, value: Any) -> Any:
    V, err = _fsca_v_with_error(gamma, L, G, c, h, H, theta)
    return abs(mp.fdot(vec(mu), V) - value) + err + _ulp() * (1 + max(abs(x) for x in V))


def fsca_q(gamma: Any, L: Any, G: Any, c: Any, h: Any, H: Any, theta: Any, a: Any, *, value: Any) -> Any:
    V, err = _fsca_v_with_error(gamma, L, G, c, h, H, theta)
    recomputed = [dpg.fsca_q_from_v(gamma, L, G, c, h, H, V, s, a[s]) for s in range(len(V))]
    return _diff(recomputed, value) + to_mpf(gamma) * err + _ulp() * (1 + max(abs(x) for x in recomputed))


def fsca_visitation(gamma: Any, mu: Any, L: Any, G: Any, theta: Any, *, value: Any) -> Any:
    d, err = _fsca_d_with_error(gamma, mu, L, G, theta)
    return _diff(d, value) + err


def fsca_gradient(
    gamma: Any, mu: Any, L: Any, G: Any, c: Any, h: Any, H: Any, theta: Any, *, value: Any
) -> Any:
    """grad[s] = d(s)/(1-g) ga(s), ga(s) = grad_a Q(s, theta[s]); only ga's third term depends
    on V, and sum_t |grad_a P(t|s, a)_i| <= 2 max_t |G[s][t][i]|, so |d ga| <= 2 g errV max|G[s]|."""
    g = to_mpf(gamma)
    V, err_v = _fsca_v_with_error(gamma, L, G, c, h, H, theta)
    d, err_d = _fsca_d_with_error(gamma, mu, L, G, theta)
    worst = mp.zero
    recomputed = []
    for s in range(len(V)):
        ga = dpg.fsca_action_gradient(gamma, L, G, c, h, H, V, s, theta[s])
        err_ga = 2 * g * err_v * max(abs(to_mpf(x)) for row in G[s] for x in row)
        size = max(abs(x) for x in ga)
        worst = max(worst, (err_d * size + d[s] * err_ga + err_d * err_ga) / (1 - g))
        recomputed.append([d[s] / (1 - g) * x for x in ga])
    top = max(abs(x) for row in recomputed for x in row)
    return _diff(recomputed, value) + worst + _ulp() * (1 + top)
