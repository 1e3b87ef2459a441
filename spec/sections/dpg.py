# ruff: noqa: E501  (LaTeX, tolerance expressions and errata are long single strings)
"""Registry: Deterministic Policy Gradient (DPG) — the value of a deterministic policy over
trajectories and over the visitation measure, V(s) = Q(s, pi(s)), the DPG theorem and its proof
(eqs 33-41), on two exactly solvable families (lqr, fsca), and DDPG's sample-batch forms."""

from __future__ import annotations

from functools import partial

from rlspec.spec.formula import Arg, Convention, EquationRow, Erratum, Formula, Section, Tolerance
from rlspec.spec.sections.common import GAMMA, MU, measured

TITLE = "Deterministic Policy Gradient (DPG)"
DDPG_BATCH = (
    "DDPG's sample-batch update (Lillicrap et al. 2016), which the lecture names without"
    " displaying it"
)
FSCA_STATE_VALUE = "the state value V(s) of the fsca family, which eq 33 averages over mu"
SILVER = "Silver et al. 2014, Deterministic policy gradient algorithms (ICML)"
LILLICRAP = "Lillicrap et al. 2016, Continuous control with deep reinforcement learning (ICLR)"
FAZEL = "Fazel et al. 2018, Global convergence of policy gradient methods for the linear quadratic regulator (ICML)"
TEST = "tests/reference/test_dpg.py"

# ---- lqr family ---------------------------------------------------------------------------------

A = Arg("A", ("n", "n"), "A", "dynamics: s' = A s + B a + w")
B = Arg("B", ("n", "m"), "B", "input matrix: s' = A s + B a + w")
Q = Arg("Q", ("n", "n"), "Q", "state cost (symmetric): r(s, a) = -(s^T Q s + a^T R a)")
R = Arg("R", ("m", "m"), "R", "action cost (symmetric): r(s, a) = -(s^T Q s + a^T R a)")
W = Arg("W", ("n", "n"), "W", "noise covariance: w ~ N(0, W)")
SIGMA0 = Arg("Sigma0", ("n", "n"), "Sigma0", "initial covariance: s_0 ~ N(0, Sigma0)")
K = Arg("K", ("m", "n"), "K", "linear policy a = K s (stabilizing: sqrt(gamma) rho(A + B K) < 1)")
S_LQR = Arg("s", ("n",), "params.s", "a state s", domain="real")
A_LQR = Arg("a", ("m",), "params.a", "an action a", domain="real")

LQR_HORIZON = "lqr_horizon(gamma, A, B, K)"
LQR_VALUE = Tolerance(
    "lqr_value",
    32.0,
    f"{LQR_HORIZON}**2 * lqr_cost(Q, R, K) * (np.trace(Sigma0) + kappa(gamma) * np.trace(W))",
    "a discounted Lyapunov solve: P_K ~ |C_K| H and its error ~ eps |C_K| H^2, H = lqr_horizon "
    "(>= 1/(1 - rho^2), rho the discounted spectral radius), times the traces V is read with",
)
LQR_Q = Tolerance(
    "lqr_q",
    32.0,
    f"{LQR_HORIZON}**2 * lqr_cost(Q, R, K) * ((amax(A) * amax(s) * np.size(s) + amax(B) * amax(a) * np.size(a))**2"
    " + kappa(gamma) * np.trace(W)) + amax(Q) * amax(s)**2 * np.size(s)**2 + amax(R) * amax(a)**2 * np.size(a)**2",
    "P_K's error (eps |C_K| H^2) read at the next state A s + B a and the noise, plus the reward's rounding",
)
LQR_VISITATION = Tolerance(
    "lqr_visitation",
    16.0,
    f"{LQR_HORIZON}**2 * (amax(Sigma0) + amax(W))",
    "the dual Lyapunov solve for Sigma_d: entries ~ (|Sigma0| + |W|) H, error ~ eps (|Sigma0| + |W|) H^2",
)
LQR_GRADIENT = Tolerance(
    "lqr_gradient",
    64.0,
    f"{LQR_HORIZON}**2 * (amax(R) * amax(K) + {LQR_HORIZON} * amax(B) * lqr_cost(Q, R, K) * (amax(A) + amax(B) * amax(K)))"
    " * (amax(Sigma0) + kappa(gamma) * amax(W))",
    "-2/(1-gamma) E_K Sigma_d: P_K's error (eps |C_K| H^2) through E_K = R K + gamma B^T P_K M, times "
    "Sigma_d (|Sigma0| + |W|) H, and the 1/(1-gamma)",
)

LQR_ARGS = (GAMMA, A, B, Q, R, W, SIGMA0, K)

# ---- fsca family --------------------------------------------------------------------------------

L = Arg("L", ("S", "S"), "L", "transition logits: P(s'|s, a) = softmax_s'(L[s][s'] + G[s][s'] . a)")
G = Arg("G", ("S", "S", "m"), "G", "action coupling of the transition logits")
C = Arg("c", ("S", "S"), "c", "reward: r(s, a, s') = c[s][s'] + h[s][s'] . a - a^T H[s] a", domain="reward")
H_LIN = Arg("h", ("S", "S", "m"), "h", "linear part of the reward in a")
H_QUAD = Arg("H", ("S", "m", "m"), "H", "quadratic part of the reward in a (each H[s] symmetric)")
THETA = Arg("theta", ("S", "m"), "theta", "deterministic policy: pi(s) = theta[s] in R^m")
A_FSCA = Arg("a", ("S", "m"), "params.a", "one action a[s] per state", domain="real")

FSCA_SIZE = "(amax(c) + amax(h) * amax(theta) + amax(H) * amax(theta)**2)"
FSCA_LOGITS = "(1 + amax(G) * amax(theta) + amax(L))"
FSCA_VALUE = Tolerance(
    "fsca_value",
    16.0,
    f"{FSCA_SIZE} * {FSCA_LOGITS} * kappa(gamma)**2",
    "a policy evaluation like mdp.v (|r| kappa^2), with the rounding of the softmax transition "
    "(relative ~ eps times its logits) and of the reward",
)
FSCA_Q = Tolerance(
    "fsca_q",
    8.0,
    "(amax(c) + amax(h) * (amax(theta) + amax(a)) + amax(H) * (amax(theta) + amax(a))**2)"
    " * (1 + amax(G) * (amax(theta) + amax(a)) + amax(L)) * kappa(gamma)**2",
    "as fsca_value, with the rewards and logits read at the given actions as well",
)
FSCA_VISITATION = Tolerance(
    "fsca_visitation",
    8.0,
    f"{FSCA_LOGITS} * kappa(gamma)",
    "a discounted distribution (as mdp.visitation), with the softmax transition's rounding",
)
FSCA_GRADIENT = Tolerance(
    "fsca_gradient",
    16.0,
    f"kappa(gamma) * (amax(G) * {FSCA_SIZE} * {FSCA_LOGITS} * kappa(gamma)**2 + amax(h) + amax(H) * amax(theta))",
    "d(s)/(1-gamma) grad_a Q: values (|r| kappa^2) times |G| through grad_a P, times the visitation's kappa",
)

FSCA_MDP_ARGS = (GAMMA, L, G, C, H_LIN, H_QUAD, THETA)
FSCA_ARGS = (GAMMA, MU, L, G, C, H_LIN, H_QUAD, THETA)

# ---- DDPG batch forms ---------------------------------------------------------------------------

REWARD = Arg("r", ("N",), "params.r", "rewards r_i", domain="reward")
DONE = Arg(
    "done", ("N",), "params.done", "1.0 where s'_i is terminal (not a time-out), else 0.0", domain="flag"
)
GAMMA_BATCH = Arg("gamma", (), "params.gamma", "discount factor", domain="discount")
TERMINATED = Arg(
    "terminated",
    ("N",),
    "params.terminated",
    "1.0 where s'_i is a true terminal state, else 0.0",
    domain="flag",
)
TRUNCATED = Arg(
    "truncated",
    ("N",),
    "params.truncated",
    "1.0 where the episode was cut by a time limit at s'_i (s'_i is not terminal), else 0.0",
    domain="flag",
)
Q_NEXT = Arg("q_next", ("N",), "params.q_next", "target critic at the target actor: Q'(s'_i, pi'(s'_i))")
Q_DATA = Arg("q", ("N",), "params.q", "critic at the replayed actions: Q(s_i, a_i)")
Y = Arg("y", ("N",), "params.y", "critic targets y_i (ddpg.critic_target)")
Q_PI = Arg("q_pi", ("N",), "params.q_pi", "critic at the actor's actions: Q(s_i, pi(s_i))")
PARAMS = Arg("theta", ("N",), "params.theta", "online network parameters (flattened)")
PARAMS_TARGET = Arg("theta_target", ("N",), "params.theta_target", "target network parameters (flattened)")
TAU = Arg("tau", (), "params.tau", "soft update rate, 0 < tau < 1 (typically 0.005)", domain="unit_open")

DDPG_TARGET = Tolerance(
    "ddpg_target", 16.0, "amax(r) + amax(q_next)", "one multiply-add per entry: a few eps of |r| + |q_next|"
)

CRITIC_LOSS_CONVENTIONS = (
    Convention("half", "half", "1/2 (Q - y)^2 (e.g. written as a squared-error loss with 1/2)"),
    Convention("sum", "sum_reduction", "summed over the batch instead of averaged"),
    Convention("half_sum", "half_sum_reduction", "1/2 (Q - y)^2 summed over the batch"),
)
ACTOR_CONVENTIONS = (
    Convention("loss", "loss", "the actor loss -mean Q(s, pi(s)) that libraries minimize"),
    Convention("sum", "sum_reduction", "summed over the batch instead of averaged"),
    Convention("loss_sum", "loss_sum_reduction", "the loss, summed over the batch"),
)

# One builder per family with the section's defaults; an entry overrides what differs.
_lqr = partial(Formula, section=TITLE, family="lqr", references=(SILVER, FAZEL), bound="certified")
_fsca = partial(Formula, section=TITLE, family="fsca", references=(SILVER,), bound="certified")
_ddpg = partial(Formula, section=TITLE, family="batch", references=(LILLICRAP,))

FORMULAS = (
    _lqr(
        id="lqr.value",
        title="value V^K(mu) of a linear policy (LQR)",
        latex=r"V^{K}(\mu) = \mathbb{E}\Big[\sum_{t\ge0}\gamma^t r(s_t, K s_t)\Big] = -\Big(\operatorname{tr}(P_K\Sigma_0) + \tfrac{\gamma}{1-\gamma}\operatorname{tr}(P_K W)\Big),\quad P_K = Q + K^\top R K + \gamma (A+BK)^\top P_K (A+BK)",
        equation="V(mu) = -(tr(P_K Sigma0) + gamma/(1-gamma) tr(P_K W)), P_K = Q + K^T R K + gamma (A+BK)^T P_K (A+BK)",
        args=LQR_ARGS,
        output_shape=(),
        tolerance=LQR_VALUE,
        reference="rlspec.reference.dpg:value",
        certificate="rlspec.oracle.certificates.dpg:value",
        notes="s_0 ~ N(0, Sigma0); lecture eq 33 with mu = N(0, Sigma0).",
    ),
    _lqr(
        id="lqr.q",
        title="action value Q^K(s, a) (LQR)",
        latex=r"Q^{K}(s,a) = -(s^\top Q s + a^\top R a) - \gamma\Big((As+Ba)^\top P_K (As+Ba) + \tfrac{1}{1-\gamma}\operatorname{tr}(P_K W)\Big)",
        equation="Q(s,a) = -(s^T Q s + a^T R a) - gamma ((A s + B a)^T P_K (A s + B a) + tr(P_K W)/(1-gamma))",
        args=(GAMMA, A, B, Q, R, W, K, S_LQR, A_LQR),
        output_shape=(),
        tolerance=LQR_Q,
        reference="rlspec.reference.dpg:q",
        references=(SILVER,),
        certificate="rlspec.oracle.certificates.dpg:q",
    ),
    _lqr(
        id="lqr.visitation",
        title="second moment of the discounted state visitation (LQR)",
        latex=r"\Sigma_d = \mathbb{E}_{s\sim d_\mu^{K}}[s s^\top] = (1-\gamma)\sum_{t\ge0}\gamma^t\,\mathbb{E}[s_t s_t^\top] = (1-\gamma)\Sigma_0 + \gamma W + \gamma (A+BK)\Sigma_d(A+BK)^\top",
        equation="Sigma_d = (1-gamma) sum_t gamma^t E[s_t s_t^T]; solves Sigma_d = (1-gamma) Sigma0 + gamma W + gamma M Sigma_d M^T, M = A + B K",
        args=(GAMMA, A, B, W, SIGMA0, K),
        output_shape=("n", "n"),
        tolerance=LQR_VISITATION,
        reference="rlspec.reference.dpg:visitation",
        certificate="rlspec.oracle.certificates.dpg:visitation",
        notes=(
            "Normalization: d_mu^K is the probability measure (1-gamma) sum_t gamma^t law(s_t) (as mdp.visitation), "
            "so Sigma_d is its second moment (= its covariance: the mean is 0). Fazel et al.'s Sigma_K = "
            "sum_t gamma^t E[s_t s_t^T] is Sigma_d / (1-gamma)."
        ),
    ),
    _lqr(
        id="dpg.gradient",
        title="DPG theorem: grad_K V^K(mu) (LQR)",
        latex=r"\nabla_K V^{K}(\mu) = \frac{1}{1-\gamma}\mathbb{E}_{s\sim d_\mu^K}\big[\nabla_K \pi_K(s)\,\nabla_a Q^K(s,a)|_{a=Ks}\big] = -\frac{2}{1-\gamma}\big((R + \gamma B^\top P_K B)K + \gamma B^\top P_K A\big)\Sigma_d",
        equation="grad[i][j] = dV/dK[i][j] = 1/(1-gamma) E_{s~d}[(grad_a Q(s, K s))_i s_j] = -2/(1-gamma) (E_K Sigma_d)[i][j], E_K = R K + gamma B^T P_K (A + B K)",
        args=LQR_ARGS,
        output_shape=("m", "n"),
        tolerance=measured(LQR_GRADIENT, 128.0),
        reference="rlspec.reference.dpg:gradient",
        certificate="rlspec.oracle.certificates.dpg:gradient",
        notes="Indexed like K: entry [i][j] is the derivative in K[i][j] (not its transpose).",
    ),
    _fsca(
        id="fsca.v",
        beyond_lecture=FSCA_STATE_VALUE,
        title="state value V^pi(s), finite states and continuous actions",
        latex=r"V^{\pi}(s) = \sum_{s'} p(s'|s,\pi(s))\big(r(s,\pi(s),s') + \gamma V^{\pi}(s')\big)",
        equation="V(s) = sum_s' P(s'|s, theta[s]) (r(s, theta[s], s') + gamma V(s'))",
        args=FSCA_MDP_ARGS,
        output_shape=("S",),
        tolerance=measured(FSCA_VALUE, 16.0),
        reference="rlspec.reference.dpg:fsca_v",
        certificate="rlspec.oracle.certificates.dpg:fsca_v",
    ),
    _fsca(
        id="fsca.value",
        title="value V^pi(mu) of a deterministic policy",
        latex=r"V^{\pi_\theta}(\mu) = \sum_{s_0}\mu(s_0)V^{\pi_\theta}(s_0) = \mathbb{E}_{\tau\sim p_\mu^{\pi_\theta}}\Big[\sum_{t\ge0}\gamma^t r(s_t,\pi_\theta(s_t),s_{t+1})\Big]",
        equation="V(mu) = sum_s mu(s) V(s) = E[sum_t gamma^t r(s_t, pi(s_t), s_t+1)]",
        args=FSCA_ARGS,
        output_shape=(),
        tolerance=FSCA_VALUE,
        reference="rlspec.reference.dpg:fsca_value",
        certificate="rlspec.oracle.certificates.dpg:fsca_value",
    ),
    _fsca(
        id="fsca.q",
        title="action value Q^pi(s, a[s]) at given actions",
        latex=r"Q^{\pi}(s,a) = \sum_{s'} p(s'|s,a)\big(r(s,a,s') + \gamma V^{\pi}(s')\big)",
        equation="out[s] = Q(s, a[s]) = sum_s' P(s'|s, a[s]) (r(s, a[s], s') + gamma V(s'))",
        args=(*FSCA_MDP_ARGS, A_FSCA),
        output_shape=("S",),
        tolerance=measured(FSCA_Q, 4.0),
        reference="rlspec.reference.dpg:fsca_q",
        certificate="rlspec.oracle.certificates.dpg:fsca_q",
    ),
    _fsca(
        id="fsca.visitation",
        title="discounted state visitation d_mu^pi of a deterministic policy",
        latex=r"d_\mu^{\pi_\theta}(s) = \mathbb{E}_{s_0\sim\mu}\Big[(1-\gamma)\sum_{t\ge0}\gamma^t p_t(s|s_0,\pi_\theta)\Big]",
        equation="d(s) = (1-gamma) sum_t gamma^t P(s_t = s); solves d = (1-gamma) mu + gamma P_pi^T d",
        args=(GAMMA, MU, L, G, THETA),
        output_shape=("S",),
        tolerance=FSCA_VISITATION,
        reference="rlspec.reference.dpg:fsca_visitation",
        certificate="rlspec.oracle.certificates.dpg:fsca_visitation",
    ),
    _fsca(
        id="fsca.gradient",
        title="DPG theorem: grad_theta V(mu), finite states and continuous actions",
        latex=r"\nabla_{\theta} V^{\pi_\theta}(\mu) = \frac{1}{1-\gamma}\mathbb{E}_{s\sim d_\mu^{\pi_\theta}}\big[\nabla_\theta\pi_\theta(s)\nabla_a Q^{\pi_\theta}(s,a)|_{a=\pi_\theta(s)}\big]",
        equation="dV(mu)/dtheta[s] = 1/(1-gamma) d(s) grad_a Q(s, a) at a = theta[s]",
        args=FSCA_ARGS,
        output_shape=("S", "m"),
        tolerance=measured(FSCA_GRADIENT, 8.0),
        reference="rlspec.reference.dpg:fsca_gradient",
        certificate="rlspec.oracle.certificates.dpg:fsca_gradient",
        notes="grad_a Q includes the terms through grad_a P(s'|s, a) (the second and third terms of eq 39).",
    ),
    _ddpg(
        id="ddpg.critic_target",
        beyond_lecture=DDPG_BATCH,
        title="DDPG critic target",
        latex=r"y_i = r_i + \gamma (1 - d_i)\, Q'(s'_i, \pi'(s'_i))",
        equation="y_i = r_i + gamma (1 - done_i) q_next_i",
        args=(REWARD, DONE, GAMMA_BATCH, Q_NEXT),
        output_shape=("N",),
        tolerance=DDPG_TARGET,
        reference="rlspec.reference.dpg:critic_target",
        notes="done_i = 1 only for a true terminal state: a time-out must keep done_i = 0 (it bootstraps).",
    ),
    _ddpg(
        id="ddpg.critic_target_timeouts",
        beyond_lecture=DDPG_BATCH,
        title="DDPG critic target with time-outs (terminated / truncated)",
        latex=r"y_i = r_i + \gamma (1 - \mathrm{terminated}_i)\, Q'(s'_i, \pi'(s'_i))\quad(\mathrm{truncated}_i \text{ still bootstraps})",
        equation="y_i = r_i + gamma (1 - terminated_i) q_next_i; a time-out (truncated_i = 1) still bootstraps",
        args=(REWARD, TERMINATED, TRUNCATED, GAMMA_BATCH, Q_NEXT),
        output_shape=("N",),
        tolerance=DDPG_TARGET,
        reference="rlspec.reference.dpg:critic_target_timeouts",
        references=(LILLICRAP, "Pardo et al. 2018, Time limits in reinforcement learning (ICML)"),
        notes=(
            "The Gymnasium-style split of done into terminated and truncated: a time limit is not part of the MDP, "
            "so the state reached at a time-out keeps its value and the target bootstraps from it. "
            "`truncated` is an input that must not change the value."
        ),
    ),
    _ddpg(
        id="ddpg.critic_loss",
        beyond_lecture=DDPG_BATCH,
        title="DDPG critic loss (mean squared TD error)",
        latex=r"L(\omega) = \frac{1}{N}\sum_i \big(Q^\omega(s_i,a_i) - y_i\big)^2",
        equation="loss = mean_i (q_i - y_i)^2",
        args=(Q_DATA, Y),
        output_shape=(),
        tolerance=Tolerance(
            "ddpg_critic_loss",
            16.0,
            "np.size(q) * (amax(q) + amax(y))**2",
            "a mean (or, under a sum convention, a sum) of squares of differences: the sum's rounding bounds both",
        ),
        reference="rlspec.reference.dpg:critic_loss",
        conventions=CRITIC_LOSS_CONVENTIONS,
    ),
    _ddpg(
        id="ddpg.actor_objective",
        beyond_lecture=DDPG_BATCH,
        title="DDPG actor objective",
        latex=r"J(\theta) = \frac{1}{N}\sum_i Q^\omega(s_i, \pi_\theta(s_i))",
        equation="J = mean_i q_pi_i, q_pi_i = Q(s_i, pi(s_i)) (the actor ascends it; libraries minimize -J)",
        args=(Q_PI,),
        output_shape=(),
        tolerance=Tolerance(
            "ddpg_actor",
            4.0,
            "np.size(q_pi) * amax(q_pi)",
            "a mean (or a sum) of N numbers: the sum's rounding bounds both reductions",
        ),
        reference="rlspec.reference.dpg:actor_objective",
        references=(SILVER, LILLICRAP),
        conventions=ACTOR_CONVENTIONS,
    ),
    _ddpg(
        id="ddpg.soft_update",
        beyond_lecture=DDPG_BATCH,
        title="DDPG soft target update",
        latex=r"\theta' \leftarrow \tau\theta + (1-\tau)\theta'",
        equation="theta_target_new = tau theta + (1 - tau) theta_target",
        args=(PARAMS, PARAMS_TARGET, TAU),
        output_shape=("N",),
        tolerance=Tolerance(
            "ddpg_soft_update", 16.0, "amax(theta) + amax(theta_target)", "two products and a sum per entry"
        ),
        reference="rlspec.reference.dpg:soft_update",
        notes="tau weights the online parameters theta (tau is small, e.g. 0.005); the target keeps 1 - tau.",
    ),
)

LECTURE_MAP = (
    EquationRow(
        33,
        "formula",
        (
            "lqr.value",
            "fsca.value",
            f"{TEST}::test_lqr_value_trajectory_and_visitation_forms",
            f"{TEST}::test_fsca_value_trajectory_and_visitation_forms",
        ),
        "V(mu) = E_mu V(s_0) = E over trajectories of the discounted return; both families; trajectory route "
        "as a truncated series with a tail bound",
    ),
    EquationRow(
        34,
        "erratum",
        ("dpg.trajectory_density", f"{TEST}::test_fsca_value_trajectory_and_visitation_forms"),
        "the trajectory density p_mu^pi(tau): the series sum_t gamma^t mu^T P_pi^t r_pi is its expectation",
    ),
    EquationRow(
        35,
        "property",
        (
            "lqr.visitation",
            "fsca.visitation",
            f"{TEST}::test_lqr_value_trajectory_and_visitation_forms",
            f"{TEST}::test_fsca_value_trajectory_and_visitation_forms",
        ),
        "V(mu) = 1/(1-gamma) E_{s~d} E_{s'} r(s, pi(s), s') (LQR: -tr(C_K Sigma_d)/(1-gamma))",
    ),
    EquationRow(
        36,
        "property",
        (
            "lqr.visitation",
            "fsca.visitation",
            f"{TEST}::test_lqr_value_trajectory_and_visitation_forms",
            f"{TEST}::test_fsca_value_trajectory_and_visitation_forms",
        ),
        "second line of the visitation form, same check",
    ),
    EquationRow(
        37,
        "formula",
        (
            "dpg.gradient",
            "fsca.gradient",
            f"{TEST}::test_lqr_dpg_theorem_equals_finite_differences",
            f"{TEST}::test_fsca_dpg_theorem_equals_finite_differences",
        ),
        "Theorem 1, checked against central finite differences of V(mu) at 3x the digits",
    ),
    EquationRow(
        38,
        "erratum",
        (
            "dpg.integral_domain",
            f"{TEST}::test_lqr_v_equals_q_at_policy_action",
            f"{TEST}::test_fsca_v_equals_q_at_policy_action",
            "lqr.q",
            "fsca.q",
        ),
        "V(s) = Q(s, pi(s)) = E_{s1}[r + gamma V(s1)]",
    ),
    EquationRow(
        39,
        "erratum",
        ("dpg.grad_p", f"{TEST}::test_fsca_proof_decomposition"),
        "the four terms of grad V(s_0); fsca, where the second and third are not zero",
    ),
    EquationRow(
        40,
        "erratum",
        ("dpg.q_at_s0", f"{TEST}::test_fsca_first_three_terms_equal_action_gradient"),
        "the first three terms of eq 39 sum to grad_a Q(s_0, a) at a = pi(s_0)",
    ),
    EquationRow(
        41,
        "erratum",
        (
            "dpg.d_s0",
            "dpg.q_at_s0",
            f"{TEST}::test_fsca_theorem_from_single_start_state",
            f"{TEST}::test_lqr_theorem_from_single_start_state",
        ),
        "unrolled recursion: grad V(s_0) = 1/(1-gamma) E_{s ~ d_{s_0}}[...], d_{s_0} the visitation from s_0",
    ),
)

ERRATA = (
    Erratum(
        "dpg.trajectory_density",
        34,
        "eq 33 takes the expectation over tau ~ rho_mu^{pi_theta}, eq 34 defines the density as "
        'p_mu^{pi_theta}(tau); the running text reads "given trajectory au = ..."',
        "one object, p_mu^{pi_theta}(tau) (the density of eq 34), and the text means tau = (s_t, pi_theta(s_t), s_{t+1})",
        (f"{TEST}::test_fsca_value_trajectory_and_visitation_forms",),
        section=TITLE,
    ),
    Erratum(
        "dpg.integral_domain",
        38,
        "\\int_{s} (r(s_0, pi(s_0), s_1) + gamma V(s_1)) p(s_1|s_0, pi(s_0)) ds_1",
        "\\int_{S} ... ds_1: the integral runs over the state space S (the next state s_1)",
        (f"{TEST}::test_fsca_v_equals_q_at_policy_action",),
        section=TITLE,
    ),
    Erratum(
        "dpg.grad_p",
        39,
        "\\nabla p(s_1|s_0, a)|_{a=pi(s_0)} and, in the first term, "
        "\\nabla_a r(s_0, a, s_1) \\nabla_theta pi_theta(s_0) (factors in that order)",
        "\\nabla_a p(s_1|s_0, a) (the gradient in the action), and \\nabla_theta pi_theta(s_0) \\nabla_a r(s_0, a, s_1) "
        "(the Jacobian of pi first, as in eq 37, so the product is a vector in theta's space)",
        (f"{TEST}::test_fsca_proof_decomposition",),
        section=TITLE,
    ),
    Erratum(
        "dpg.q_at_s0",
        40,
        "\\nabla_theta pi_theta(s_0) \\nabla_a Q^{pi_theta}(s, a)|_{a=pi_theta(s_0)} (also the first line of eq 41)",
        "\\nabla_theta pi_theta(s_0) \\nabla_a Q^{pi_theta}(s_0, a)|_{a=pi_theta(s_0)}: Q is taken at s_0",
        (f"{TEST}::test_fsca_first_three_terms_equal_action_gradient",),
        section=TITLE,
    ),
    Erratum(
        "dpg.d_s0",
        41,
        "E_{s ~ d_{s_0}^{pi_theta}}[...] with d_{s_0} not defined",
        "d_{s_0}^{pi_theta} = d_{delta_{s_0}}^{pi_theta}, the normalized discounted visitation "
        "(1-gamma) sum_t gamma^t p_t(.|s_0) started at s_0; averaging over s_0 ~ mu gives d_mu (Theorem 1)",
        (
            f"{TEST}::test_fsca_theorem_from_single_start_state",
            f"{TEST}::test_lqr_theorem_from_single_start_state",
        ),
        section=TITLE,
    ),
)

SECTION = Section(
    key="dpg",
    title=TITLE,
    equations=tuple(range(33, 42)),
    formulas=FORMULAS,
    lecture_map=LECTURE_MAP,
    errata=ERRATA,
    references=(SILVER, LILLICRAP, FAZEL),
)
