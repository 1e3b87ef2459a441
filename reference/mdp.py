"""MDP core and the policy gradient (lecture: "Natural Policy Gradient (NPG)", and the
performance difference lemma of "Trust Region Policy Optimization (TRPO)").

Tabular MDP: P[s][a][s'] = P(s'|s,a), R[s][a][s'] = r(s,a,s'), discount gamma, initial
distribution mu, softmax policy pi(a|s) = exp(theta[s][a]) / sum_a' exp(theta[s][a']).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gmpy2 import mpz
from mpmath import mp

from rlspec.reference.numbers import (
    Binary64Array,
    Mat,
    Real,
    Vec,
    dot,
    exact_fraction,
    exponent_bound,
    fixed,
    fixed_array,
    fixed_binary64,
    from_fixed,
    mat,
    refine,
    softmax,
    solve_refined,
    tensor3,
    to_mpf,
    vec,
)

RealMat = Sequence[Sequence[Real]]
RealTensor3 = Sequence[Sequence[Sequence[Real]]]


def policy(theta: RealMat) -> Mat:
    """pi_theta(a|s) = exp(theta[s][a]) / sum_a' exp(theta[s][a']), the softmax policy."""
    return [softmax(row) for row in mat(theta)]


def transition_matrix(P: RealTensor3, pi: RealMat) -> Mat:
    """P_pi[s][s'] = sum_a pi(a|s) P(s'|s,a)."""
    p, w = tensor3(P), mat(pi)
    n = len(p)
    return [[dot(w[s], [p[s][a][t] for a in range(len(w[s]))]) for t in range(n)] for s in range(n)]


def expected_reward(P: RealTensor3, R: RealTensor3) -> Mat:
    """r(s,a) = sum_s' P(s'|s,a) r(s,a,s')."""
    p, r = tensor3(P), tensor3(R)
    return [[dot(p[s][a], r[s][a]) for a in range(len(p[s]))] for s in range(len(p))]


def policy_reward(P: RealTensor3, R: RealTensor3, pi: RealMat) -> Vec:
    """r_pi(s) = sum_a pi(a|s) r(s,a)."""
    return [dot(w, rs) for w, rs in zip(mat(pi), expected_reward(P, R), strict=True)]


def evaluate(P: RealTensor3, R: RealTensor3, gamma: Real, pi: RealMat) -> Vec:
    """V^pi, the solution of (I - gamma P_pi) V = r_pi (the Bellman equation)."""
    model = fixed_model(P, R, gamma)
    values = _solve(model, policy_part(model, pi, exact=True), transpose=False)
    return [from_fixed(x, model.scale) for x in values]


def q_from_v(P: RealTensor3, R: RealTensor3, gamma: Real, V: Sequence[Real]) -> Mat:
    """Q(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V(s'))."""
    model = fixed_model(P, R, gamma)
    q_fixed = _q_fixed(model, fixed_array(list(V), model.scale))
    return [[from_fixed(x, model.scale) for x in row] for row in q_fixed]


def v(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat) -> Vec:
    """mdp.v: V^pi(s) = E[sum_t gamma^t r_t | s_0 = s, pi_theta]."""
    model = fixed_model(P, R, gamma)
    return [from_fixed(x, model.scale) for x in _v_fixed(model, theta)]


def q(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat) -> Mat:
    """mdp.q: Q^pi(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V^pi(s'))."""
    model = fixed_model(P, R, gamma)
    q_fixed = _q_fixed(model, _v_fixed(model, theta))
    return [[from_fixed(x, model.scale) for x in row] for row in q_fixed]


def advantage(P: RealTensor3, R: RealTensor3, gamma: Real, theta: RealMat) -> Mat:
    """mdp.advantage: A^pi(s,a) = Q^pi(s,a) - V^pi(s)."""
    model = fixed_model(P, R, gamma)
    values = _v_fixed(model, theta)
    q_fixed = _q_fixed(model, values)
    return [[from_fixed(x - values[s], model.scale) for x in row] for s, row in enumerate(q_fixed)]


def visitation(P: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat) -> Vec:
    """mdp.visitation: d_mu^pi(s) = (1 - gamma) sum_t gamma^t P(s_t = s), i.e. the solution of
    d = (1 - gamma) mu + gamma P_pi^T d."""
    model = fixed_model(P, None, gamma)
    return [from_fixed(x, model.bits) for x in _d_fixed(model, mu, theta)]


def objective(P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat) -> Real:
    """pg.objective: V^{pi_theta}(mu) = sum_s mu(s) V^{pi_theta}(s)."""
    return dot(vec(mu), v(P, R, gamma, theta))


def gradient(P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat) -> Mat:
    """pg.gradient: d V^{pi_theta}(mu) / d theta[s][a] = d_mu^pi(s) pi(a|s) A^pi(s,a) / (1 - gamma)
    (the policy gradient theorem for the softmax parameterization)."""
    g = to_mpf(gamma)
    d = visitation(P, gamma, mu, theta)
    pi = policy(theta)
    adv = advantage(P, R, gamma, theta)
    return [[d[s] * pi[s][a] * adv[s][a] / (1 - g) for a in range(len(pi[s]))] for s in range(len(pi))]


# ---- fast exact evaluation --------------------------------------------------------------------
# V and d solve (I - gamma P_pi) x = b. A dense LU in mpmath is cubic in |S| at high precision;
# instead, everything is held in exact fixed point (reference.numbers.fixed): P_pi and b are
# formed once, I - gamma P_pi is factorized once in float64, and iterative refinement computes
# residuals exactly in integers and corrects with the float64 factorization until the residual
# is below 2^-(prec + 8) (relative to the data). The result is as accurate as a solve at the
# caller's precision; oracle.certificates.mdp bounds its error rigorously and independently.
# Fixed-point images of the inputs are cached by the identity of the (immutable) input lists.


@dataclass
class _Model:
    bits: int  # probabilities are floor(p * 2^bits)
    scale: int  # rewards and values are floor(x * 2^scale)
    n: int
    m: int
    P: Any  # object array [n][m][n]
    flat: Any  # the same as [n*m][n]
    r: Any  # object array [n][m]: floor(2^-bits sum_t P R) at `scale`, or None
    reward_exponent: int  # |R| < 2^reward_exponent (0 without R)
    gamma: int  # floor(gamma * 2^bits)
    gamma_float: float
    pins: tuple[Any, ...]


@dataclass
class _PolicyPart:
    pi: Any  # object array [n][m] at `bits`
    p_pi: Any  # object array [n][n] at `bits`
    r_pi: Any  # object array [n] at `scale`, or None
    lu: Any  # the float64 inverse of I - gamma P_pi (the corrector of refinement), or None
    pins: tuple[Any, ...]


_CACHE: dict[tuple[Any, ...], Any] = {}
_CACHE_SIZE = 64  # entries
_CACHE_WEIGHT = 4_000_000  # big integers held, in all (about 100 bytes each at 50 digits)
# ... or, for a larger instance, this many times its |S|^2 |A| (the working set of one formula:
# P and R at two precisions, r(s,a), P_pi), so that a formula never evicts what it rebuilds.
_CACHE_INSTANCES = 12
_weight_limit = _CACHE_WEIGHT


def _weight(value: Any) -> int:
    """How many big integers a cached value holds (models and arrays dominate memory)."""
    if isinstance(value, _Model):
        return int(value.P.size) * (1 if value.r is None else 2)
    if isinstance(value, np.ndarray):
        return int(value.size)
    if isinstance(value, tuple):
        return sum(_weight(v) for v in value)
    if isinstance(value, _PolicyPart):
        return int(value.p_pi.size)
    return 1


def _cached(key: tuple[Any, ...], build: Any, pins: tuple[Any, ...]) -> Any:
    """build(), memoized under `key`; the entry keeps `pins` (the objects whose id() is in the
    key) alive, so an id cannot be reused by another object while the entry exists. Inputs are
    treated as immutable: do not mutate a list after passing it to a reference function.
    Least recently used entries are evicted beyond _CACHE_SIZE entries or _CACHE_WEIGHT."""
    entry = _CACHE.pop(key, None)
    if entry is not None:
        _CACHE[key] = entry  # most recently used last
        return entry[0]
    value = build()
    _CACHE[key] = (value, pins, _weight(value))
    total = sum(e[2] for e in _CACHE.values())
    while len(_CACHE) > 1 and (len(_CACHE) > _CACHE_SIZE or total > _weight_limit):
        total -= _CACHE.pop(next(iter(_CACHE)))[2]
    return value


def horizon_bits(gamma: Real) -> int:
    """An integer k with 1 / (1 - gamma) <= 2^k."""
    return max(exponent_bound(1 / (1 - exact_fraction(gamma))), 1)


def fixed_model(P: RealTensor3, R: RealTensor3 | None, gamma: Real, need: int | None = None) -> _Model:
    """Fixed-point images of P, R, gamma with at least `need` bits (default: enough for a solve
    at the current precision). Built once with twice that, so that a certificate at twice the
    precision reuses it (the model is keyed by the identity of the input lists)."""
    global _weight_limit
    n, m = len(P), len(P[0])
    _weight_limit = max(_weight_limit, _CACHE_INSTANCES * n * m * n)
    if need is None:
        need = mp.prec + 48 + 2 * horizon_bits(gamma) + n.bit_length() + m.bit_length()
    key = ("model", id(P), id(R), exact_fraction(gamma))
    entry = _CACHE.get(key)
    if entry is None or entry[0].bits < need:
        _CACHE.pop(key, None)
        bits = 2 * need + (-2 * need) % 64
        entry = (_cached(key, lambda: _build_model(P, R, gamma, bits), (P, R)), None)
    else:
        _CACHE[key] = _CACHE.pop(key)  # most recently used last
    base: _Model = entry[0]
    target = need + (-need) % 32
    if base.bits <= target + 64:
        return base
    return _cached(("derived", id(base), target), lambda: _derive(base, target), (base,))  # type: ignore[no-any-return]


def _derive(base: _Model, bits: int) -> _Model:
    """The model at fewer bits: floor(floor(x 2^a) / 2^k) = floor(x 2^(a-k)) for P and gamma;
    r(s,a) (already a floor) loses at most one more unit."""
    k = base.bits - bits
    p = _cached(("shifted", id(base.P), k), lambda: base.P >> k, (base.P,))
    r = None if base.r is None else base.r >> k
    return _Model(
        bits, base.scale - k, base.n, base.m, p, p.reshape(base.n * base.m, base.n), r,
        base.reward_exponent, base.gamma >> k, base.gamma_float, base.pins,
    )


def _build_model(P: RealTensor3, R: RealTensor3 | None, gamma: Real, bits: int) -> _Model:
    n, m = len(P), len(P[0])
    p_fixed = _fixed_tensor(P, bits)
    r_fixed = None
    scale, exponent = bits, 0
    if R is not None:
        r_raw = _fixed_tensor(R, bits)
        top = int(np.max(np.abs(r_raw))) if r_raw.size else 0
        e = top.bit_length() - bits
        if abs(e) > 16:  # keep about `bits` significant bits for rewards far from 1 in size
            scale = bits - e
            r_raw = _fixed_tensor(R, scale)
            top = int(np.max(np.abs(r_raw)))
        exponent = (top + 1).bit_length() - scale
        r_fixed = (p_fixed * r_raw).sum(axis=2) >> bits
    g = exact_fraction(gamma)
    flat = p_fixed.reshape(n * m, n)
    return _Model(bits, scale, n, m, p_fixed, flat, r_fixed, exponent, fixed(g, bits), float(g), (P, R))


def _fixed_tensor(xs: RealTensor3, bits: int) -> Any:
    """floor(x * 2^bits) of a nested [n][m][k] list, as an object array (cached)."""
    key = ("tensor", id(xs), bits)
    n, m, k = len(xs), len(xs[0]), len(xs[0][0])
    return _cached(key, lambda: _fixed_flat(xs, bits).reshape(n, m, k), (xs,))


def _fixed_flat(xs: RealTensor3, bits: int) -> Any:
    if isinstance(xs, Binary64Array):
        return fixed_binary64(xs.floats, bits)
    flat = [x for block in xs for row in block for x in row]
    try:
        # binary64 inputs have power-of-two denominators: a shift instead of a division
        ints = [
            (mpz(n) << (bits + 1 - d.bit_length())) if d & (d - 1) == 0 and d.bit_length() <= bits
            else mpz((n << bits) // d if bits >= 0 else n // (d << -bits))  # huge |R|: bits < 0
            for n, d in (x.as_integer_ratio() for x in flat)
        ]
    except (AttributeError, TypeError):  # mpf entries
        ints = [mpz(fixed(x, bits)) for x in flat]
    return np.fromiter(ints, dtype=object, count=len(ints))  # (slice assignment of mpz is slow)


def policy_part(model: _Model, pi: Any, exact: bool = False) -> _PolicyPart:
    """P_pi, r_pi and the float64 factorization of I - gamma P_pi; pi is softmax(pi) unless exact."""
    key = ("policy", id(model), id(pi), exact)
    return _cached(key, lambda: _build_policy_part(model, pi, exact), (model, pi))  # type: ignore[no-any-return]


def _build_policy_part(model: _Model, pi: Any, exact: bool) -> _PolicyPart:
    bits = model.bits
    weights, p_pi, lu = _cached(
        ("chain", id(model.P), id(pi), exact, model.gamma), lambda: _chain(model, pi, exact), (model.P, pi)
    )
    r_pi = None if model.r is None else (weights * model.r).sum(axis=1) >> bits
    return _PolicyPart(weights, p_pi, r_pi, lu, (pi, model))


def policy_weights(model: _Model, pi: Any, exact: bool = False) -> Any:
    """floor(pi(a|s) 2^bits) for pi = softmax(pi) (computed with 16 extra bits), or pi itself."""

    def build() -> Any:
        if exact:
            return fixed_array(pi, model.bits)
        with mp.workprec(model.bits + 16):
            return fixed_array(policy(pi), model.bits)

    return _cached(("weights", model.bits, id(pi), exact), build, (pi,))


def _chain(model: _Model, pi: Any, exact: bool) -> tuple[Any, Any, Any]:
    """pi, P_pi (shared by models with and without R) and the float64 LU of I - gamma P_pi."""
    bits = model.bits
    weights = policy_weights(model, pi, exact)
    p_pi = (weights[:, :, None] * model.P).sum(axis=1) >> bits
    p_float = np.array([[float(int(x) >> (bits - 60)) for x in row] for row in p_pi]) * 2.0**-60
    inverse = None
    with np.errstate(all="ignore"):
        system = np.eye(model.n) - model.gamma_float * p_float
        if np.all(np.isfinite(system)):
            try:
                inverse = np.linalg.inv(system)
            except np.linalg.LinAlgError:
                inverse = None
            if inverse is not None and not np.all(np.isfinite(inverse)):
                inverse = None
    return weights, p_pi, inverse


def _solve(model: _Model, part: _PolicyPart, transpose: bool, b: Any = None) -> Any:
    """x = (I - gamma P_pi)^-1 b (b = r_pi by default), or (I - gamma P_pi^T)^-1 b, in fixed point,
    with a residual below 2^-(prec + 8) relative to b's scale (cached per precision)."""
    key = ("solve", id(part), transpose, None if b is None else tuple(b), mp.prec)
    return _cached(key, lambda: _solve_now(model, part, transpose, b), (part,))


def _solve_now(model: _Model, part: _PolicyPart, transpose: bool, b: Any) -> Any:
    rhs = part.r_pi if b is None else b
    bits, g = model.bits, model.gamma
    matrix = part.p_pi.T.copy() if transpose else part.p_pi

    def apply(x: Any) -> Any:
        return x - ((g * ((matrix @ x) >> bits)) >> bits)

    target = 1 << max(bits - mp.prec - 8, 0)
    x = None
    if part.lu is not None:
        corrector = part.lu.T if transpose else part.lu
        x = refine(apply, rhs, lambda r: corrector @ r, bits, target)
    return x if x is not None else _exact_solve(model, matrix, rhs)


def _exact_solve(model: _Model, matrix: Any, rhs: Any) -> Any:
    """The fallback when float64 cannot factorize I - gamma P_pi: a dense LU at high precision."""
    n, bits = model.n, model.bits
    with mp.workprec(bits + 32):
        g = from_fixed(model.gamma, bits)
        system = mp.matrix(
            [[(1 if s == t else 0) - g * from_fixed(matrix[s][t], bits) for t in range(n)] for s in range(n)]
        )
        x = mp.lu_solve(system, mp.matrix([from_fixed(b, bits) for b in rhs]))
        out = np.empty(n, dtype=object)
        out[:] = [fixed(x[i], bits) for i in range(n)]
    return out


def _v_fixed(model: _Model, theta: RealMat) -> Any:
    return _solve(model, policy_part(model, theta), transpose=False)


def q_fixed(model: _Model, values: Any) -> Any:
    """floor-rounded r(s,a) + gamma sum_s' P(s'|s,a) V(s') in fixed point, as an [n][m] array."""
    bits = model.bits
    future = (model.gamma * ((model.flat @ values) >> bits)) >> bits
    return model.r + future.reshape(model.n, model.m)


def _q_fixed(model: _Model, values: Any) -> Any:
    return q_fixed(model, values).tolist()


def _d_fixed(model: _Model, mu: Sequence[Real], theta: RealMat) -> Any:
    bits = model.bits
    b = np.empty(model.n, dtype=object)
    b[:] = [(((1 << bits) - model.gamma) * fixed(x, bits)) >> bits for x in mu]
    return _solve(model, policy_part(model, theta), transpose=True, b=b)


def performance_difference(
    P: RealTensor3, R: RealTensor3, gamma: Real, mu: Sequence[Real], theta: RealMat, theta_new: RealMat
) -> Real:
    """pg.performance_difference: the right-hand side of the performance difference lemma (lecture
    eq. 23, "Trust Region Policy Optimization (TRPO)", with theta_t = theta and theta = theta_new):
    V^{pi_t}(mu) + 1/(1 - gamma) E_{s ~ d_mu^{pi_new}} E_{a ~ pi_new(.|s)} [A^{pi_t}(s, a)],
    which equals V^{pi_new}(mu)."""
    g = to_mpf(gamma)
    d_new = visitation(P, gamma, mu, theta_new)
    pi_new = policy(theta_new)
    adv = advantage(P, R, gamma, theta)
    gain = mp.fsum(d_new[s] * dot(pi_new[s], adv[s]) for s in range(len(adv)))
    return objective(P, R, gamma, mu, theta) + gain / (1 - g)


# ---- the average case: the stationary distribution -------------------------------------------


def support_graph(P: RealTensor3) -> list[list[int]]:
    """succ[s] = the states s' with P(s'|s,a) > 0 for some a: the exact support of P_pi for a
    softmax policy (every action has positive probability)."""
    return [sorted({t for row in block for t, x in enumerate(row) if x != 0}) for block in P]


def recurrent_classes(succ: list[list[int]]) -> list[list[int]]:
    """The closed communicating classes of the chain with support graph `succ` (Tarjan's strongly
    connected components; a component is recurrent iff no edge leaves it)."""
    n = len(succ)
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    components: list[list[int]] = []
    counter = 0
    for root in range(n):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            if i < len(succ[node]):
                work.append((node, i + 1))
                nxt = succ[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                components.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(c for c in components if all(t in c for s in c for t in succ[s]))


def stationary(P: RealTensor3, mu: Sequence[Real], theta: RealMat) -> Vec:
    """mdp.stationary: d^pi(s) = E_{s0 ~ mu}[lim_t P(s_t = s)] (lecture: "Natural Policy Gradient
    (NPG)", the average-case Fisher matrix), the Cesaro limit lim_T (1/T) sum_{t<T} P(s_t = s)
    where the chain is periodic.

    d = sum_C w_C pi_C over the recurrent classes C of P_pi (found from the exact support of P):
    pi_C is C's stationary law (pi_C (I - P_CC) = 0, sum pi_C = 1) and w_C = P(absorbed in C)
    = sum_s mu(s) h_C(s), with h_C = 1 on C, 0 on other classes, and on the transient states T
    (I - P_TT) h_C = P_TC 1."""
    p_pi = softmax_chain(P, theta)
    m = vec(mu)
    n = len(p_pi)
    classes = recurrent_classes(support_graph(P))
    in_class = {s for c in classes for s in c}
    transient = [s for s in range(n) if s not in in_class]
    d = [mp.zero] * n
    for c in classes:
        law = _class_law(p_pi, c)
        weight = mp.fsum(m[s] for s in c)
        if transient:
            rhs = [mp.fsum(p_pi[s][t] for t in c) for s in transient]
            system = [[(1 if s == t else 0) - p_pi[s][t] for t in transient] for s in transient]
            h = solve_refined(system, rhs)
            weight += dot([m[s] for s in transient], h)
        for s, x in zip(c, law, strict=True):
            d[s] = weight * x
    return d


def softmax_chain(P: RealTensor3, theta: RealMat) -> Mat:
    """P_pi for pi = softmax(theta), like transition_matrix(P, policy(theta)), from the cached
    exact fixed-point image of P and the policy floored at prec + 64 bits: each entry is within
    (|A| + 1) 2^-(prec + 64) of the exact P_pi before the final rounding to the current precision."""
    model = fixed_model(P, None, 0, need=mp.prec + 64)
    return [[from_fixed(x, model.bits) for x in row] for row in policy_part(model, theta).p_pi]


def _class_law(p_pi: Mat, c: list[int]) -> Vec:
    """The stationary law of the irreducible class c: x (I - P_cc) = 0 with sum x = 1 (one
    balance equation, redundant, is replaced by the normalization)."""
    k = len(c)
    system = [[(1 if i == j else 0) - p_pi[c[j]][c[i]] for j in range(k)] for i in range(k)]
    system[-1] = [mp.one] * k
    return solve_refined(system, [mp.zero] * (k - 1) + [mp.one])


# ---- hard optimal values ---------------------------------------------------------------------


def greedy(
    P: RealTensor3, R: RealTensor3, gamma: Real, V: Sequence[Real], keep: list[int] | None = None
) -> list[int]:
    """argmax_a Q(s,a) for Q = r + gamma P V; where `keep` is given, its action is kept unless
    another is better by more than the working precision (so policy iteration cannot cycle on
    rounding)."""
    qs = q_from_v(P, R, gamma, V)
    scale = max([abs(x) for row in qs for x in row] + [mp.one])
    slack = scale * mp.mpf(2) ** (-mp.prec + 8)
    out = []
    for s, row in enumerate(qs):
        best = max(range(len(row)), key=lambda a: row[a])
        if keep is not None and row[keep[s]] >= row[best] - slack:
            best = keep[s]
        out.append(best)
    return out


def deterministic(actions: list[int], n_actions: int) -> Mat:
    """The deterministic policy pi(a|s) = 1 if a = actions[s] else 0, as a matrix."""
    return [[mp.one if a == b else mp.zero for b in range(n_actions)] for a in actions]


def optimal_policy(P: RealTensor3, R: RealTensor3, gamma: Real) -> list[int]:
    """An optimal deterministic policy by policy iteration (Howard): evaluate, improve greedily,
    stop when the greedy policy is unchanged. Starts from the myopic policy argmax_a r(s,a)."""
    n_actions = len(P[0])
    actions = greedy(P, R, 0, [mp.zero] * len(P))
    for _ in range(10 * len(P) * n_actions + 100):
        values = evaluate(P, R, gamma, deterministic(actions, n_actions))
        improved = greedy(P, R, gamma, values, keep=actions)
        if improved == actions:
            return actions
        actions = improved
    raise ArithmeticError("policy iteration did not converge at this precision")


def v_star(P: RealTensor3, R: RealTensor3, gamma: Real) -> Vec:
    """mdp.v_star: V*(s) = max_pi V^pi(s), the fixed point of V = max_a [r(s,a) + gamma P(.|s,a) V]
    (the hard Bellman optimality equation; the lambda -> 0 limit of "Entropy Regularization")."""
    actions = optimal_policy(P, R, gamma)
    return evaluate(P, R, gamma, deterministic(actions, len(P[0])))


def q_star(P: RealTensor3, R: RealTensor3, gamma: Real) -> Mat:
    """mdp.q_star: Q*(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V*(s')."""
    return q_from_v(P, R, gamma, v_star(P, R, gamma))
