"""Property tests of reference/blocks.py (building blocks beyond the lecture), tied to the
lecture's exact quantities on tabular MDPs, computed independently:

- by exact enumeration of every trajectory of a tiny MDP (with an absorbing terminal state of
  value 0 and a time-out), GAE with the exact V^pi is unbiased for A^pi(s_0, a_0) for every
  lambda (lambda = 1: the Monte Carlo advantage; lambda = 0: the TD error), and the lambda- and
  n-step returns are unbiased for Q^pi(s_0, a_0);
- on rollouts, in exact rational arithmetic: lambda-return - V = GAE (consistent rollouts), the
  n-step return is the one-step TD target at n = 1 and the lambda = 1 return (Monte Carlo,
  bootstrapped at the rollout's end) at n >= T;
- by exact enumeration on categorical policies, the expectations of the KL estimators under
  the sampling policy against dist.kl_categorical and trpo.mean_kl, and the KL-penalty
  objective's against trpo.surrogate and trpo.mean_kl;
- the twin-critic target with equal critics is ddpg.critic_target_timeouts and sac.q_target;
  the clipped value loss is ddpg.critic_loss inside the clip range; the squashed log-density
  at tanh(u) is sac.tanh_gaussian_log_prob at u, and it integrates to 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mpmath import mp

from rlspec.oracle.errors import InstanceError
from rlspec.oracle.families import policy_batch, rollout
from rlspec.oracle.instance import from_mapping
from rlspec.reference import blocks, dpg, mdp, sac, trpo
from rlspec.reference.natural_gradient import kl_categorical
from rlspec.reference.numbers import log_softmax, vec

DPS = 30
SEEDS = st.integers(0, 2**32 - 1)


def close(got: Any, want: Any, digits: int = DPS - 5) -> bool:
    return bool(abs(got - want) <= mp.mpf(10) ** (-digits) * (1 + abs(want)))


def exact(xs: Any) -> Any:
    """Floats (nested lists) -> Fractions."""
    if isinstance(xs, list):
        return [exact(x) for x in xs]
    return Fraction(xs)


# ---- a tiny MDP with an absorbing terminal state ---------------------------------------------


def tiny_mdp(seed: int, states: int = 3, actions: int = 2) -> dict[str, Any]:
    """Exact P, R, theta, gamma; the last state is terminal: absorbing, reward 0, so V = 0 there."""
    rng = np.random.default_rng(seed)
    P, R = [], []
    for s in range(states):
        P.append([]), R.append([])
        for _ in range(actions):
            if s == states - 1:
                row = [Fraction(int(t == s)) for t in range(states)]
                rewards = [Fraction(0)] * states
            else:
                weights = [int(w) for w in rng.integers(0, 4, states)]
                weights[int(rng.integers(states))] += 1
                row = [Fraction(w, sum(weights)) for w in weights]
                rewards = [Fraction(int(x), 4) for x in rng.integers(-4, 5, states)]
            P[-1].append(row)
            R[-1].append(rewards)
    theta = [[Fraction(int(x), 2) for x in rng.integers(-3, 4, actions)] for _ in range(states)]
    gamma = Fraction([1, 9, 3][seed % 3], [2, 10, 4][seed % 3])
    return {"P": P, "R": R, "theta": theta, "gamma": gamma, "terminal": states - 1}


def trajectories(
    m: dict[str, Any], s0: int, a0: int, steps: int
) -> Iterator[tuple[Any, list[int], list[int]]]:
    """(probability, states s_0..s_k, actions a_0..a_{k-1}) of every trajectory from (s0, a0) for
    `steps` steps or until the terminal state is entered."""
    pi = mdp.policy(m["theta"])

    def extend(prob: Any, states: list[int], acts: list[int]) -> Iterator[tuple[Any, list[int], list[int]]]:
        s, a = states[-1], acts[-1]
        for nxt, p in enumerate(m["P"][s][a]):
            if p == 0:
                continue
            if nxt == m["terminal"] or len(acts) == steps:
                yield prob * p, [*states, nxt], acts
                continue
            for b, w in enumerate(pi[nxt]):
                yield from extend(prob * p * w, [*states, nxt], [*acts, b])

    yield from extend(mp.one, [s0], [a0])


GARBAGE = Fraction(1000)


def rollout_of(
    m: dict[str, Any], V: list[Any], states: list[int], acts: list[int], steps: int, timeout: int | None
) -> dict[str, Any]:
    """The [steps][1] rollout of one trajectory: terminated where it enters the terminal state,
    truncated at step `timeout` (a time limit), garbage after the episode's end (a new episode
    the estimate at t = 0 must not look at)."""
    rows: dict[str, list[list[Any]]] = {
        k: [] for k in ("rewards", "values", "next_values", "terminated", "truncated")
    }
    ended = False
    for t in range(steps):
        if ended or t >= len(acts):
            row = (GARBAGE, GARBAGE, GARBAGE, 0, 0)
        else:
            s, a, nxt = states[t], acts[t], states[t + 1]
            term = int(nxt == m["terminal"])
            trunc = int(t == timeout and not term)
            row = (m["R"][s][a][nxt], V[s], V[nxt], term, trunc)
            ended = bool(term or trunc)
        for key, x in zip(rows, row, strict=True):
            rows[key].append([x])
    return rows


def expectation(m: dict[str, Any], s0: int, a0: int, steps: int, timeout: int | None, estimate: Any) -> Any:
    """E[estimate(rollout)[0][0] | s_0 = s0, a_0 = a0] by enumeration."""
    V = mdp.v(m["P"], m["R"], m["gamma"], m["theta"])
    total = mp.zero
    for prob, states, acts in trajectories(m, s0, a0, steps):
        total += prob * estimate(rollout_of(m, V, states, acts, steps, timeout))[0][0]
    return total


PAIRS = st.tuples(
    SEEDS, st.integers(0, 1), st.integers(0, 1), st.integers(1, 3), st.sampled_from((None, 0, 1))
)


@settings(max_examples=25, deadline=None)
@given(PAIRS, st.sampled_from((Fraction(0), Fraction(1), Fraction(19, 20), Fraction(1, 3))))
def test_gae_with_exact_values_is_unbiased_for_the_advantage(case: Any, lmbda: Fraction) -> None:
    """E[A^GAE_0 | s_0, a_0] = A^pi(s_0, a_0) for every lambda when V = V^pi: E[delta_0] = A^pi(s_0, a_0)
    and E[delta_k] = E[A^pi(s_k, a_k)] = 0 for k >= 1 (a_k ~ pi). lambda = 1 is the Monte Carlo
    advantage, lambda = 0 the TD error. Terminations drop V (it is 0 there); the time-out
    bootstraps from V(s_{k+1}), which keeps the expectation; garbage after the end is cut."""
    seed, s0, a0, steps, timeout = case
    m = tiny_mdp(seed)
    with mp.workdps(DPS):
        got = expectation(
            m,
            s0,
            a0,
            steps,
            timeout,
            lambda r: blocks.gae_advantage(**r, gamma=m["gamma"], lmbda=lmbda),
        )
        want = mdp.advantage(m["P"], m["R"], m["gamma"], m["theta"])[s0][a0]
        assert close(got, want)


@settings(max_examples=25, deadline=None)
@given(PAIRS, st.sampled_from((Fraction(0), Fraction(1), Fraction(1, 2))), st.integers(1, 4))
def test_lambda_and_nstep_returns_with_exact_values_are_unbiased_for_q(
    case: Any, lmbda: Fraction, n: int
) -> None:
    """E[G^lambda_0 | s_0, a_0] = E[G^(n)_0 | s_0, a_0] = Q^pi(s_0, a_0) when V = V^pi."""
    seed, s0, a0, steps, timeout = case
    m = tiny_mdp(seed)

    def drop_values(r: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in r.items() if k != "values"}

    with mp.workdps(DPS):
        want = mdp.q(m["P"], m["R"], m["gamma"], m["theta"])[s0][a0]
        got = expectation(
            m,
            s0,
            a0,
            steps,
            timeout,
            lambda r: blocks.lambda_return(**drop_values(r), gamma=m["gamma"], lmbda=lmbda),
        )
        assert close(got, want)
        got = expectation(
            m, s0, a0, steps, timeout, lambda r: blocks.nstep_return(**drop_values(r), gamma=m["gamma"], n=n)
        )
        assert close(got, want)


def test_truncation_treated_as_termination_is_biased() -> None:
    """The enumeration can tell: a time-out that drops V(s_{k+1}) misses gamma^(k+1) E[V(s_{k+1})]."""
    m = tiny_mdp(7)
    with mp.workdps(DPS):
        want = mdp.advantage(m["P"], m["R"], m["gamma"], m["theta"])[0][0]

        def as_termination(r: dict[str, Any]) -> Any:
            term = [[max(a[0], b[0])] for a, b in zip(r["terminated"], r["truncated"], strict=True)]
            return blocks.gae_advantage(**{**r, "terminated": term}, gamma=m["gamma"], lmbda=Fraction(1))

        assert not close(expectation(m, 0, 0, 3, 0, as_termination), want, 6)


# ---- identities between the estimators on rollouts (exact rational arithmetic) ----------------


ROLLOUTS = st.builds(
    lambda seed, steps, envs, rate, gamma: {
        k: exact(v) for k, v in rollout.generate(seed, steps, envs, rate, gamma).items() if k != "family"
    },
    SEEDS,
    st.integers(1, 8),
    st.integers(1, 3),
    st.sampled_from((0.0, 0.3, 0.7)),
    st.sampled_from((0.0, 0.5, 0.99)),
)
LAMBDAS = st.sampled_from((Fraction(0), Fraction(1), Fraction(19, 20), Fraction(1, 3)))


def returns_args(r: dict[str, Any]) -> tuple[Any, ...]:
    return r["rewards"], r["next_values"], r["terminated"], r["truncated"], r["gamma"]


@given(ROLLOUTS, LAMBDAS)
def test_lambda_return_minus_values_is_gae_on_consistent_rollouts(r: dict[str, Any], lmbda: Fraction) -> None:
    """G^lambda_t - V(s_t) = A^GAE_t exactly when values[t + 1] = next_values[t] inside episodes
    (the generator's rollouts are consistent, as a library's are)."""
    gae = blocks.EXACT["gae_advantage"](
        r["rewards"], r["values"], r["next_values"], r["terminated"], r["truncated"], r["gamma"], lmbda
    )
    ret = blocks.EXACT["lambda_return"](*returns_args(r), lmbda)
    for g_row, r_row, v_row in zip(gae, ret, r["values"], strict=True):
        assert [x - v for x, v in zip(r_row, v_row, strict=True)] == g_row


@given(ROLLOUTS)
def test_gae_with_lambda_zero_is_the_td_error(r: dict[str, Any]) -> None:
    """lambda = 0: A_t = delta_t = r_t + gamma (1 - terminated_t) V(s_{t+1}) - V(s_t), entry by entry."""
    args = (r["rewards"], r["values"], r["next_values"], r["terminated"], r["truncated"], r["gamma"])
    got = blocks.EXACT["gae_advantage"](*args, Fraction(0))
    rows = zip(r["rewards"], r["values"], r["next_values"], r["terminated"], strict=True)
    want = [[x + r["gamma"] * (1 - d) * nv - v for x, v, nv, d in zip(*row, strict=True)] for row in rows]
    assert got == want


@given(ROLLOUTS)
def test_nstep_return_ends(r: dict[str, Any]) -> None:
    """n = 1: the one-step TD target of ddpg.critic_target_timeouts, row by row; n >= T: the
    lambda = 1 return (Monte Carlo inside the rollout); lambda = 0: the one-step target again."""
    one = blocks.EXACT["nstep_return"](*returns_args(r), 1)
    steps = len(r["rewards"])
    with mp.workdps(DPS):
        for t in range(steps):
            want = dpg.critic_target_timeouts(
                r["rewards"][t], r["terminated"][t], r["truncated"][t], r["gamma"], r["next_values"][t]
            )
            assert all(
                close(mp.mpf(x.numerator) / x.denominator, w) for x, w in zip(one[t], want, strict=True)
            )
    assert blocks.EXACT["nstep_return"](*returns_args(r), steps) == blocks.EXACT["lambda_return"](
        *returns_args(r), Fraction(1)
    )
    assert blocks.EXACT["lambda_return"](*returns_args(r), Fraction(0)) == one


def test_nstep_return_to_the_end_of_an_episode_is_the_monte_carlo_return() -> None:
    """An episode of T steps that terminates at its last step: G^(T)_0 = sum_t gamma^t r_t."""
    rewards = [[Fraction(1)], [Fraction(-2)], [Fraction(3, 4)], [Fraction(5)]]
    flags = [[0], [0], [0], [1]]
    nv = [[Fraction(99)]] * 4
    got = blocks.EXACT["nstep_return"](rewards, nv, flags, [[0]] * 4, Fraction(1, 2), 10)
    assert got[0][0] == 1 - Fraction(2, 2) + Fraction(3, 16) + Fraction(5, 8)
    assert got[2][0] == Fraction(3, 4) + Fraction(5, 2)


# ---- KL estimators and the KL-penalty objective, by enumeration -------------------------------


LOGITS = st.lists(st.integers(-6, 6), min_size=1, max_size=5).map(lambda xs: [Fraction(x, 2) for x in xs])


def sample_expectation(theta: list[Any], theta_new: list[Any], estimator: Any) -> Any:
    """E_{a ~ softmax(theta)}[estimator([log q(a)], [log p(a)])] by summing over the support."""
    lp, lq = log_softmax(vec(theta)), log_softmax(vec(theta_new))
    return mp.fsum(mp.exp(p) * estimator([q], [p]) for p, q in zip(lp, lq, strict=True))


@given(LOGITS, st.data())
def test_kl_estimators_expectations(theta: list[Fraction], data: st.DataObject) -> None:
    """k1 and k3 are unbiased for KL(p || q) (dist.kl_categorical); k2's expectation is
    (1/2) sum_a p(a) log(q(a)/p(a))^2, computed from the probabilities themselves."""
    shift = data.draw(st.lists(st.integers(-4, 4), min_size=len(theta), max_size=len(theta)))
    theta_new = [t + Fraction(d, 3) for t, d in zip(theta, shift, strict=True)]
    with mp.workdps(DPS):
        kl = kl_categorical(theta, theta_new)
        assert close(sample_expectation(theta, theta_new, blocks.kl_k1), kl)
        assert close(sample_expectation(theta, theta_new, blocks.kl_k3), kl)
        p = [mp.exp(t) for t in vec(theta)]
        q = [mp.exp(t) for t in vec(theta_new)]
        p = [x / mp.fsum(p) for x in p]
        q = [x / mp.fsum(q) for x in q]
        want = mp.fsum(a * mp.log(b / a) ** 2 for a, b in zip(p, q, strict=True)) / 2
        assert close(sample_expectation(theta, theta_new, blocks.kl_k2), want)


def tabular_pair(seed: int) -> dict[str, Any]:
    m = tiny_mdp(seed, states=3, actions=3)
    rng = np.random.default_rng(seed + 1)
    m["theta_new"] = [
        [t + Fraction(int(d), 4) for t, d in zip(row, rng.integers(-3, 4, 3), strict=True)]
        for row in m["theta"]
    ]
    m["mu"] = [Fraction(1, 2), Fraction(1, 2), Fraction(0)]
    return m


def over_visitation(m: dict[str, Any], per_sample: Any) -> Any:
    """E_{s ~ d_mu^{pi_t}, a ~ pi_t(.|s)}[per_sample(s, a)] by enumeration."""
    d = mdp.visitation(m["P"], m["gamma"], m["mu"], m["theta"])
    pi = mdp.policy(m["theta"])
    return mp.fsum(d[s] * pi[s][a] * per_sample(s, a) for s in range(len(d)) for a in range(len(pi[s])))


@settings(max_examples=20, deadline=None)
@given(SEEDS)
def test_kl_estimators_on_visited_states_are_the_mean_kl(seed: int) -> None:
    """E_{s ~ d, a ~ pi_t}[k1] = E[k3] = trpo.mean_kl (the lecture's eq 27 constraint)."""
    m = tabular_pair(seed)
    with mp.workdps(DPS):
        want = trpo.mean_kl(m["P"], m["gamma"], m["mu"], m["theta"], m["theta_new"])
        for estimator in (blocks.kl_k1, blocks.kl_k3):

            def sample(s: int, a: int, k: Any = estimator) -> Any:
                lp, lq = log_softmax(vec(m["theta"][s])), log_softmax(vec(m["theta_new"][s]))
                return k([lq[a]], [lp[a]])

            assert close(over_visitation(m, sample), want)


@settings(max_examples=20, deadline=None)
@given(SEEDS, st.sampled_from((Fraction(0), Fraction(1, 10), Fraction(3))))
def test_kl_penalty_objective_is_the_lecture_surrogate_gain_minus_beta_mean_kl(
    seed: int, beta: Fraction
) -> None:
    """With A = A^{pi_t}, E_{s ~ d, a ~ pi_t}[L^KLPEN] = (1 - gamma) (V_t(theta_new) - V^{pi_t}(mu))
    - beta E_{s ~ d} KL(pi_t || pi_new): trpo.surrogate and trpo.mean_kl (eqs 24, 27)."""
    m = tabular_pair(seed)
    with mp.workdps(DPS):
        adv = mdp.advantage(m["P"], m["R"], m["gamma"], m["theta"])

        def sample(s: int, a: int) -> Any:
            return blocks.kl_penalty_objective([m["theta"][s]], [m["theta_new"][s]], [a], [adv[s][a]], beta)

        args = (m["P"], m["R"], m["gamma"], m["mu"], m["theta"])
        gain = trpo.surrogate(*args, m["theta_new"]) - mdp.objective(*args)
        kl = trpo.mean_kl(m["P"], m["gamma"], m["mu"], m["theta"], m["theta_new"])
        assert close(over_visitation(m, sample), (1 - m["gamma"]) * gain - beta * kl)


# ---- critics ------------------------------------------------------------------------------------


VALUES = st.lists(st.integers(-40, 40).map(lambda x: Fraction(x, 8)), min_size=1, max_size=6)
FLAGS = st.lists(st.integers(0, 1), min_size=6, max_size=6)


@given(VALUES, st.data())
def test_twin_target_with_equal_critics_is_the_ddpg_and_sac_targets(
    q: list[Fraction], data: st.DataObject
) -> None:
    """min(Q', Q') = Q': twin.target = ddpg.critic_target_timeouts; for any critics, it is
    sac.q_target with log pi(a'|s') = 0 and done = terminated, and `truncated` never matters."""
    n = len(q)
    r = data.draw(st.lists(st.integers(-8, 8).map(Fraction), min_size=n, max_size=n))
    q2 = data.draw(st.lists(st.integers(-40, 40).map(lambda x: Fraction(x, 8)), min_size=n, max_size=n))
    term, trunc = data.draw(FLAGS)[:n], data.draw(FLAGS)[:n]
    gamma = Fraction(9, 10)
    with mp.workdps(DPS):
        twin = blocks.twin_target(r, term, trunc, gamma, q, q)
        assert twin == dpg.critic_target_timeouts(r, term, trunc, gamma, q)
        got = blocks.twin_target(r, term, trunc, gamma, q, q2)
        assert got == sac.q_target(r, term, gamma, q, q2, [0] * n, Fraction(1, 5))
        assert got == blocks.twin_target(r, term, [1 - x for x in trunc], gamma, q, q2)


@given(VALUES, st.data())
def test_twin_loss_with_equal_critics_is_twice_the_ddpg_critic_loss(
    q: list[Fraction], data: st.DataObject
) -> None:
    y = data.draw(
        st.lists(st.integers(-40, 40).map(lambda x: Fraction(x, 8)), min_size=len(q), max_size=len(q))
    )
    assert blocks.EXACT["twin_loss"](q, q, y) == 2 * blocks.EXACT["twin_loss"](q, y, y)
    with mp.workdps(DPS):
        assert close(blocks.twin_loss(q, q, y), 2 * dpg.critic_loss(q, y))


@given(VALUES, st.data())
def test_value_clipped_loss_is_the_plain_loss_inside_the_clip_range(
    v: list[Fraction], data: st.DataObject
) -> None:
    """|V - V_old| <= eps: the clipped prediction is V itself, so the loss is ddpg.critic_loss(V, R);
    outside it the max can only raise it."""
    n = len(v)
    ret = data.draw(st.lists(st.integers(-40, 40).map(lambda x: Fraction(x, 8)), min_size=n, max_size=n))
    moves = data.draw(st.lists(st.integers(-4, 4).map(lambda x: Fraction(x, 16)), min_size=n, max_size=n))
    old = [x - d for x, d in zip(v, moves, strict=True)]
    with mp.workdps(DPS):
        plain = dpg.critic_loss(v, ret)
        assert close(blocks.value_clipped_loss(v, old, ret, Fraction(1, 4)), plain)
        assert blocks.value_clipped_loss(v, old, ret, Fraction(1, 32)) >= plain - mp.mpf(10) ** (-DPS + 3)


# ---- the squashed log-density -------------------------------------------------------------------


@given(
    st.lists(
        st.tuples(st.integers(-160, 160), st.integers(-8, 8), st.integers(-6, 6)), min_size=1, max_size=3
    )
)
def test_squashed_log_prob_at_tanh_u_is_sacs_log_prob_at_u(rows: list[tuple[int, int, int]]) -> None:
    """log pi(a = tanh u) from the action (atanh route) = sac.tanh_gaussian_log_prob at u, scale 1,
    up to |u| = 20 where 1 - a^2 ~ 1e-17 (the route through a loses nothing at 60 digits)."""
    u = [Fraction(x, 8) for x, _, _ in rows]
    mean = [Fraction(m, 4) for _, m, _ in rows]
    log_std = [Fraction(s, 4) for _, _, s in rows]
    with mp.workdps(60):
        action = [[mp.tanh(mp.mpf(x.numerator) / x.denominator) for x in u]]
        got = blocks.squashed_log_prob(action, [mean], [log_std])[0]
        want = sac.tanh_gaussian_log_prob([u], [mean], [log_std], [1] * len(u))[0]
        assert close(got, want, 40)


@pytest.mark.parametrize(
    "mean, log_std",
    [(Fraction(0), Fraction(0)), (Fraction(3, 2), Fraction(-1, 2)), (Fraction(-1), Fraction(1))],
)
def test_squashed_density_integrates_to_one(mean: Fraction, log_std: Fraction) -> None:
    with mp.workdps(20):
        total = mp.quad(
            lambda a: mp.exp(blocks.squashed_log_prob([[a]], [[mean]], [[log_std]])[0]), [-1, 0, 1]
        )
        assert close(total, 1, 12)


# ---- the families' validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, key",
    [
        ({"terminated": [[2.0]]}, "terminated[0][0]"),
        ({"values": [[1.0, 2.0]]}, "values"),
        ({"gamma": 1.0}, "gamma"),
        ({"params": {"lmbda": 1.5}}, "params.lmbda"),
        ({"params": {"n": 0}}, "params.n"),
        ({"params": {"n": 1.5}}, "params.n"),
    ],
)
def test_rollout_family_refuses_bad_input_naming_the_key(change: dict[str, Any], key: str) -> None:
    raw = {
        "family": "rollout",
        "rewards": [[1.0]],
        "values": [[0.0]],
        "next_values": [[0.0]],
        "terminated": [[0.0]],
        "truncated": [[1.0]],
        "gamma": 0.9,
        **change,
    }
    with pytest.raises(InstanceError) as info:
        from_mapping(raw)
    assert info.value.key == key


def test_policy_batch_family_refuses_an_action_outside_the_support() -> None:
    raw = policy_batch.generate(0, batch=2, actions=3)
    raw["actions"] = [0.0, 3.0]
    with pytest.raises(InstanceError) as info:
        from_mapping(raw)
    assert info.value.key == "actions[1]"
