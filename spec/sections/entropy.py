"""Registry: entropy regularization, tabular part (entropy, soft values, the four soft Bellman
operators, the softmax greedy policy, V*, Q*, pi* of Theorem 2, soft policy iteration).

The temperature lambda is read from `params.lambda`; the adapter argument is named `lam`
(`lambda` is a Python keyword). Display equations 42-63 of the lecture.
"""

from __future__ import annotations

from functools import partial

from rlspec.spec.formula import Arg, EquationRow, Erratum, Formula, Section, Tolerance
from rlspec.spec.sections.common import GAMMA, MU, POLICY_ARGS, THETA, P, R, measured

TITLE = "Entropy regularization"
NACHUM = "Nachum et al. 2017, Bridging the gap between value and policy based reinforcement learning"
HAARNOJA = (
    "Haarnoja et al. 2018, Soft actor-critic: off-policy maximum entropy deep reinforcement learning "
    "with a stochastic actor"
)
TEST = "tests/reference/test_entropy.py::"

# the lecture's headings, which Formula.section names
MOTIVATION = "Motivation: Enhance exploration by entropy regularization"
BELLMAN_EQ = "Soft Bellman Equation"
BELLMAN_OP = "Soft Bellman Operator"
OPT_STATE = "Soft Bellman Optimality Equation: State Value"
OPT_ACTION = "Soft Bellman Optimality Equation: Action Value"
OPTIMAL = "Optimal Policy"
SOFT_PI = "Soft Policy Iteration"

LAMBDA = Arg("lam", (), "params.lambda", "temperature lambda > 0 of the entropy bonus", domain="temperature")
V_IN = Arg("V", ("S",), "params.V", "a state-value vector the operator is applied to", domain="real")
Q_IN = Arg(
    "Q", ("S", "A"), "params.Q", "an action-value table the operator is applied to", domain="real_at:lam"
)
K_STEPS = Arg("k", (), "params.k", "number of soft policy iteration steps", domain="int:0..4", dtype="int64")

SOFT_POLICY_ARGS = (*POLICY_ARGS, LAMBDA)  # a softmax policy's soft values: P, R, gamma, theta, lam
SOFT_OPTIMAL_ARGS = (P, R, GAMMA, LAMBDA)  # the optimality operators and V*, Q*, pi*: no policy

# Tolerances. M = amax(R) + lam log|A| bounds one step's regularized reward under any policy
# (the entropy is at most log|A|); a fixed point costs kappa^2 of it (conditioning kappa times
# size kappa), like mdp.v. The softmax turns an error dQ into at most dQ / (2 lam) in pi.
# Factors: a plain float64 numpy implementation (conformance_tests/examples/np_entropy.py) against
# the oracle on 600 seeds (|S| <= 6, |A| <= 4, gamma in {0, .5, .9, .99, .999}, all P kinds, logit
# scales 0/1/8, lambda log-uniform in [1e-3, 1e1], and in [1e-6, 1e2] with |R| up to 1e3) peaked at
# 1.55 units (soft.t_pi); every other formula at <= 1.2 (the policies at <= 1.0), and the suite's
# own sampling (`rlspec conform --examples 200`, seeds 11, 12, 21, 22) at <= 1.2. Factor 16 keeps a
# margin of >= 10x.
ENTROPY = Tolerance(
    "entropy",
    16.0,
    "(1 + amax(theta))",
    "entropy of a softmax policy: log-softmax of logits of size amax(theta)",
)
SOFT_REWARD = Tolerance(
    "soft_reward",
    16.0,
    "(amax(R) + lam * (1 + np.log(theta.shape[1]) + 2 * amax(theta)))",
    "r - lam log pi: one subtraction; log pi = (theta - max) - log sum exp, |theta - max| <= 2 amax(theta)",
)
SOFT_VALUE = Tolerance(
    "soft_value",
    16.0,
    "(amax(R) + lam * (np.log(P.shape[1]) + amax(theta))) * kappa(gamma)**2",
    "a soft value of a policy: a linear solve with (I - gamma P_pi), reward r_pi + lam H",
)
SOFT_OPERATOR_PI = Tolerance(
    "soft_operator_pi",
    16.0,
    "(amax(R) + amax(VALUE_IN) + lam * (1 + np.log(P.shape[1]) + 2 * amax(theta)))",
    "one application of T_lambda^pi or F_lambda^pi: sums of terms of these sizes",
)
SOFT_OPERATOR_OPT = Tolerance(
    "soft_operator_opt",
    16.0,
    "(amax(R) + amax(VALUE_IN) + lam * np.log(P.shape[1]))",
    "one application of T_lambda or F_lambda: a max-shifted log-sum-exp of terms of these sizes",
)
SOFT_GREEDY = Tolerance(
    "soft_greedy",
    16.0,
    "(1 + amax(Q) / lam)",
    "softmax(Q/lam): the logits Q/lam are rounded relative to their size amax(Q)/lam",
)
SOFT_OPTIMAL_VALUE = Tolerance(
    "soft_optimal_value",
    16.0,
    "(amax(R) + lam * np.log(P.shape[1])) * kappa(gamma)**2",
    "the fixed point of T_lambda or F_lambda: size M kappa, conditioning kappa",
)
SOFT_OPTIMAL_POLICY = Tolerance(
    "soft_optimal_policy",
    16.0,
    "(1 + 2 * np.max(expected * (1 - expected))"
    " * (amax(R) + lam * np.log(P.shape[1])) * kappa(gamma)**2 / lam)",
    "softmax(Q*/lam): d pi(a|s) = pi (dQ(s,a) - E_pi dQ(s,.)) / lam, at most 2 pi (1 - pi) |dQ| / lam,"
    " with |dQ*| ~ M kappa^2; the 1 covers the rounding of pi itself",
)
SOFT_PI_POLICY = Tolerance(
    "soft_pi_policy",
    16.0,
    "(1 + 2 * np.max(expected * (1 - expected))"
    " * (amax(R) + lam * (np.log(P.shape[1]) + amax(theta))) * kappa(gamma)**2 / lam)",
    "softmax(Q^{pi_k}/lam) after k soft evaluations: as soft_optimal_policy, with the soft value's error",
)


def _with_input(tol: Tolerance, name: str) -> Tolerance:
    return Tolerance(tol.name, tol.factor, tol.scale.replace("VALUE_IN", name), tol.doc)


# The section's builder: every entry is on the tabular family.
_formula = partial(Formula, family="tabular", references=(NACHUM,))


FORMULAS = (
    _formula(
        section=MOTIVATION,
        id="entropy.h",
        title="entropy H(pi(.|s)) of the softmax policy",
        latex=r"H(\pi(\cdot|s)) = \mathbb{E}_{a \sim \pi(\cdot|s)}\left[\log \frac{1}{\pi(a|s)}\right]",
        equation="H(s) = -sum_a pi(a|s) log pi(a|s)",
        args=(THETA,),
        output_shape=("S",),
        tolerance=ENTROPY,
        reference="rlspec.reference.entropy:h",
    ),
    _formula(
        section=MOTIVATION,
        id="soft.reward",
        title="regularized reward r_lambda",
        latex=r"r_{\lambda}(s,a,s') = r(s,a,s') - \lambda \log \pi(a|s)",
        equation="r_lambda(s,a,s') = r(s,a,s') - lambda log pi(a|s)",
        args=(R, THETA, LAMBDA),
        output_shape=("S", "A", "S"),
        tolerance=SOFT_REWARD,
        reference="rlspec.reference.entropy:reward",
    ),
    _formula(
        section=BELLMAN_EQ,
        id="soft.v_pi",
        title="soft state value V_lambda^pi",
        latex=r"V_{\lambda}^{\pi}(s) = \mathbb{E}\left[\sum_{t=0}^{\infty} \gamma^t r_{\lambda}(s_t,a_t,s_{t+1})"  # noqa: E501
        r" \mid s_0 = s, \pi\right]",
        equation="V_lambda(s) = E[sum_t gamma^t r_lambda(s_t, a_t, s_t+1) | s_0 = s, pi]; "
        "solves (I - gamma P_pi) V = sum_a pi(a|s) (r(s,a) - lambda log pi(a|s))",
        args=SOFT_POLICY_ARGS,
        output_shape=("S",),
        tolerance=measured(SOFT_VALUE, 32.0),
        reference="rlspec.reference.entropy:v_pi",
        bound="certified",
        certificate="rlspec.oracle.certificates.entropy:v_pi",
    ),
    _formula(
        section=BELLMAN_EQ,
        id="soft.q_pi",
        title="soft action value Q_lambda^pi (no entropy term at t = 0)",
        latex=r"Q_{\lambda}^{\pi}(s,a) = \mathbb{E}_{s' \sim P(\cdot|s,a)}[r(s,a,s') + \gamma"
        r" V_{\lambda}^{\pi}(s')]",
        equation="Q_lambda(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V_lambda(s'))",
        args=SOFT_POLICY_ARGS,
        output_shape=("S", "A"),
        tolerance=SOFT_VALUE,
        reference="rlspec.reference.entropy:q_pi",
        bound="certified",
        certificate="rlspec.oracle.certificates.entropy:q_pi",
        notes="The lecture's definition prints r/r for the t = 0 reward (erratum soft.q_pi_t0_reward).",
    ),
    _formula(
        section=MOTIVATION,
        id="soft.objective",
        title="entropy-regularized objective V_lambda^pi(mu)",
        latex=r"V_{\lambda}^{\pi}(\mu) = \mathbb{E}_{s \sim \mu}[V_{\lambda}^{\pi}(s)] = \frac{1}{1-\gamma} "
        r"\mathbb{E}_{s \sim d_{\mu}^{\pi}}\left[\mathbb{E}_{a \sim \pi} \mathbb{E}_{s'} r(s,a,s') +"
        r" \lambda H(\pi(\cdot|s))\right]",
        equation="V_lambda(mu) = sum_s mu(s) V_lambda(s) = 1/(1-gamma) sum_s d(s) (r_pi(s) + lambda H(s))",
        args=(P, R, GAMMA, MU, THETA, LAMBDA),
        output_shape=(),
        tolerance=SOFT_VALUE,
        reference="rlspec.reference.entropy:objective",
        bound="certified",
        certificate="rlspec.oracle.certificates.entropy:objective",
        notes="Both forms of the lecture agree (property test_objective_two_forms).",
    ),
    _formula(
        section=BELLMAN_OP,
        id="soft.t_pi",
        title="soft Bellman operator T_lambda^pi on a state-value vector V",
        latex=r"[\mathcal{T}_{\lambda}^{\pi} V](s) = \mathbb{E}_{a \sim \pi(\cdot|s)} \mathbb{E}_{s' \sim"
        r" P(\cdot|s,a)}[r_{\lambda}(s,a,s') + \gamma V(s')]",
        equation="[T V](s) = sum_a pi(a|s) sum_s' P(s'|s,a) (r(s,a,s') - lambda log pi(a|s) + gamma V(s'))",
        args=(*SOFT_POLICY_ARGS, V_IN),
        output_shape=("S",),
        tolerance=measured(_with_input(SOFT_OPERATOR_PI, "V"), 32.0),
        reference="rlspec.reference.entropy:t_pi",
    ),
    _formula(
        section=BELLMAN_OP,
        id="soft.f_pi",
        title="soft Bellman operator F_lambda^pi on an action-value table Q",
        latex=r"[\mathcal{F}_{\lambda}^{\pi} Q](s,a) = \mathbb{E}_{s'}\left[r(s,a,s') + \gamma \mathbb{E}_{a'"
        r" \sim \pi(\cdot|s')}[Q(s',a') - \lambda \log \pi(a'|s')]\right]",
        equation="[F Q](s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma sum_a' pi(a'|s') (Q(s',a') - lambda log"
        " pi(a'|s')))",
        args=(*SOFT_POLICY_ARGS, Q_IN),
        output_shape=("S", "A"),
        tolerance=measured(_with_input(SOFT_OPERATOR_PI, "Q"), 32.0),
        reference="rlspec.reference.entropy:f_pi",
    ),
    _formula(
        section=OPT_STATE,
        id="soft.t_opt",
        title="soft Bellman optimality operator T_lambda on a state-value vector V",
        latex=r"[\mathcal{T}_{\lambda} V](s) = \lambda \log \left\| \exp\left(Q_V(s,\cdot)/\lambda\right)"
        r" \right\|_1,\ "
        r"Q_V(s,a) = \mathbb{E}_{s'}[r(s,a,s') + \gamma V(s')]",
        equation="[T V](s) = max_pi E_pi[Q_V(s,a) - lambda log pi(a|s)] = lambda log sum_a exp(Q_V(s,a)/lambda)",  # noqa: E501
        args=(*SOFT_OPTIMAL_ARGS, V_IN),
        output_shape=("S",),
        tolerance=measured(_with_input(SOFT_OPERATOR_OPT, "V"), 32.0),
        reference="rlspec.reference.entropy:t_opt",
    ),
    _formula(
        section=OPT_ACTION,
        id="soft.f_opt",
        title="soft Bellman optimality operator F_lambda on an action-value table Q",
        latex=r"[\mathcal{F}_{\lambda} Q](s,a) = \mathbb{E}_{s'}\left[r(s,a,s') + \gamma \lambda \log \left\|"
        r" \exp(Q(s',\cdot)/\lambda) \right\|_1\right]",
        equation="[F Q](s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma lambda log sum_a' exp(Q(s',a')/lambda))",
        args=(*SOFT_OPTIMAL_ARGS, Q_IN),
        output_shape=("S", "A"),
        tolerance=measured(_with_input(SOFT_OPERATOR_OPT, "Q"), 32.0),
        reference="rlspec.reference.entropy:f_opt",
    ),
    _formula(
        section=OPT_STATE,
        id="soft.greedy_policy",
        title="softmax greedy policy pi_lambda = softmax(Q/lambda)",
        latex=r"\pi_{\lambda}(a|s) = \frac{\exp(Q(s,a)/\lambda)}{\left\| \exp(Q(s,\cdot)/\lambda) \right\|_1}",  # noqa: E501
        equation="pi(a|s) = exp(Q(s,a)/lambda) / sum_a' exp(Q(s,a')/lambda)",
        args=(Q_IN, LAMBDA),
        output_shape=("S", "A"),
        tolerance=SOFT_GREEDY,
        reference="rlspec.reference.entropy:greedy_policy",
    ),
    _formula(
        section=OPTIMAL,
        id="soft.v_star",
        title="optimal soft state value V_lambda^* (fixed point of T_lambda)",
        latex=r"V_{\lambda}^* = \mathcal{T}_{\lambda} V_{\lambda}^*,\quad V_{\lambda}^*(s) = \max_{\pi}"
        r" V_{\lambda}^{\pi}(s)",
        equation="V*(s) = lambda log sum_a exp(Q*(s,a)/lambda) = max_pi V_lambda^pi(s)",
        args=SOFT_OPTIMAL_ARGS,
        output_shape=("S",),
        tolerance=measured(SOFT_OPTIMAL_VALUE, 32.0),
        reference="rlspec.reference.entropy:v_star",
        bound="certified",
        certificate="rlspec.oracle.certificates.entropy:v_star",
    ),
    _formula(
        section=OPTIMAL,
        id="soft.q_star",
        title="optimal soft action value Q_lambda^* (fixed point of F_lambda)",
        latex=r"Q_{\lambda}^*(s,a) = \mathbb{E}_{s' \sim P(\cdot|s,a)}[r(s,a,s') + \gamma V_{\lambda}^*(s')]",
        equation="Q*(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V*(s')) = max_pi Q_lambda^pi(s,a)",
        args=SOFT_OPTIMAL_ARGS,
        output_shape=("S", "A"),
        tolerance=measured(SOFT_OPTIMAL_VALUE, 32.0),
        reference="rlspec.reference.entropy:q_star",
        bound="certified",
        certificate="rlspec.oracle.certificates.entropy:q_star",
    ),
    _formula(
        section=OPTIMAL,
        id="soft.policy_star",
        title="optimal entropy-regularized policy pi_lambda^* (Theorem 2)",
        latex=r"\pi_{\lambda}^*(a|s) = \frac{\exp(Q_{\lambda}^*(s,a)/\lambda)}{\left\|"
        r" \exp(Q_{\lambda}^*(s,\cdot)/\lambda) \right\|_1}",
        equation="pi*(a|s) = exp(Q*(s,a)/lambda) / sum_a' exp(Q*(s,a')/lambda)",
        args=SOFT_OPTIMAL_ARGS,
        output_shape=("S", "A"),
        tolerance=SOFT_OPTIMAL_POLICY,
        reference="rlspec.reference.entropy:policy_star",
        bound="certified",
        certificate="rlspec.oracle.certificates.entropy:policy_star",
        notes="Certified: the Q* bound times the softmax's Lipschitz constant 1/(2 lambda).",
    ),
    _formula(
        section=SOFT_PI,
        id="soft.policy_iteration",
        title="soft policy iteration: the policy after k steps",
        latex=r"Q_{\lambda}^{\pi_j} = \mathcal{F}_{\lambda}^{\pi_j} Q_{\lambda}^{\pi_j},\quad "
        r"\pi_{j+1}(\cdot|s) = \frac{\exp(Q_{\lambda}^{\pi_j}(s,\cdot)/\lambda)}{\left\|"
        r" \exp(Q_{\lambda}^{\pi_j}(s,\cdot)/\lambda) \right\|_1}",
        equation="pi_0 = softmax(theta); for j < k: evaluate Q_lambda^{pi_j}, pi_{j+1}(.|s) ="
        " softmax(Q_lambda^{pi_j}(s,.)/lambda); "
        "output pi_k",
        args=(*SOFT_POLICY_ARGS, K_STEPS),
        output_shape=("S", "A"),
        tolerance=SOFT_PI_POLICY,
        reference="rlspec.reference.entropy:policy_iteration",
        references=(HAARNOJA,),
    ),
)


def _t(*names: str) -> tuple[str, ...]:
    return tuple(TEST + n for n in names)


ERRATA = (
    Erratum(
        "soft.q_pi_t0_reward",
        47,
        r"Q_lambda^pi(s,a) = E[ r(s_0,a_0,s_1) / r(s_0,a_0,s_1) + sum_{t>=1} gamma^t r_lambda(...) ]"
        " (a fraction r/r, which would be 1)",
        "Q_lambda^pi(s,a) = E[ r(s_0,a_0,s_1) + sum_{t>=1} gamma^t r_lambda(s_t,a_t,s_t+1) | s_0=s, a_0=a,"
        " pi ]:"
        " the plain reward at t = 0 (a_0 is given, so no entropy term), as eq. 48 states",
        _t("test_soft_q_definition_by_finite_horizon", "test_q_v_relations"),
        TITLE,
    ),
    Erratum(
        "soft.policy_evaluation_operator",
        62,
        r"Q_lambda^{pi_k} = F_lambda^{pi} Q_lambda^{pi_k}",
        r"Q_lambda^{pi_k} = F_lambda^{pi_k} Q_lambda^{pi_k}: the evaluation operator of the current policy"
        r" pi_k"
        " (Q^{pi_k} is in general not a fixed point of F^{pi} for another pi, e.g. pi_{k+1})",
        _t("test_soft_policy_evaluation_operator"),
        TITLE,
    ),
    Erratum(
        "soft.v_star_argument",
        60,
        r"V_lambda^* = lambda log ||exp(Q_lambda^*(s,.)/lambda)||_1 = Q_lambda^*(s,a) - lambda log"
        r" pi_lambda^*(a|s)",
        r"V_lambda^*(s) = ...: the left side is the value at the state s (the right side depends on s)",
        _t("test_v_star_identity_every_action"),
        TITLE,
    ),
    Erratum(
        "soft.limit_subscript",
        61,
        "from max_a Q_lambda^*(s,a) <= V_lambda^*(s) <= max_a Q_lambda^*(s,a) + lambda log|A| "
        "'it is easy to see that V_lambda^*(s) -> max_a Q^*(s,a) = V^*(s)'",
        "the bound gives V_lambda^*(s) - max_a Q_lambda^*(s,a) -> 0, with Q_lambda^* (not the hard Q^*); "
        "V_lambda^* -> V^* (hard) needs also Q_lambda^* -> Q^*, which holds: "
        "0 <= V_lambda^* - V^* <= lambda log|A| / (1 - gamma)",
        _t("test_log_sum_exp_bounds", "test_v_star_lambda_to_hard_limit"),
        TITLE,
    ),
    Erratum(
        "soft.pi_update_arguments",
        63,
        r"pi_{k+1} = exp(Q_lambda^{pi_k}(s,.)/lambda) / ||exp(Q_lambda^{pi_k}(s,.)/lambda)||_1",
        r"pi_{k+1}(.|s) = ...: the left side is the distribution at the state s "
        "(the right side depends on s)",
        _t("test_soft_policy_iteration_improves"),
        TITLE,
    ),
)

LECTURE_MAP = (
    EquationRow(
        42,
        "formula",
        ("soft.objective", TEST + "test_objective_two_forms"),
        "both forms: via d_mu^pi with r + lambda H, and via -lambda log pi; they agree",
    ),
    EquationRow(43, "formula", ("entropy.h", TEST + "test_entropy_by_hand")),
    EquationRow(44, "formula", ("soft.objective", TEST + "test_objective_two_forms")),
    EquationRow(45, "formula", ("soft.reward", TEST + "test_reward_by_hand")),
    EquationRow(
        46,
        "formula",
        ("soft.v_pi", TEST + "test_soft_v_definition_by_series"),
        "the discounted sum of r_lambda; checked against a truncated series with its tail bound",
    ),
    EquationRow(
        47, "erratum", ("soft.q_pi_t0_reward", "soft.q_pi", TEST + "test_soft_q_definition_by_finite_horizon")
    ),
    EquationRow(48, "property", _t("test_q_v_relations")),
    EquationRow(49, "property", _t("test_soft_bellman_equations")),
    EquationRow(
        50,
        "formula",
        ("soft.t_pi", TEST + "test_operators_contract", TEST + "test_soft_bellman_equations"),
        "gamma-contraction and V_lambda^pi its fixed point",
    ),
    EquationRow(
        51,
        "formula",
        ("soft.f_pi", TEST + "test_operators_contract", TEST + "test_soft_bellman_equations"),
        "gamma-contraction and Q_lambda^pi its fixed point",
    ),
    EquationRow(
        52,
        "formula",
        ("soft.t_opt", TEST + "test_t_opt_is_max_over_policies", TEST + "test_operators_contract"),
        "max over pi = log-sum-exp: Gibbs variational identity, random policies never exceed it",
    ),
    EquationRow(53, "formula", ("soft.greedy_policy", TEST + "test_t_opt_is_max_over_policies")),
    EquationRow(54, "property", _t("test_greedy_policy_second_form")),
    EquationRow(
        55,
        "property",
        _t("test_greedy_identity_every_action_pair"),
        "holds for every pair a, a' (the lecture's 'a != a'' is a vacuous restriction)",
    ),
    EquationRow(56, "property", _t("test_greedy_identity_every_action_pair")),
    EquationRow(
        57,
        "formula",
        ("soft.f_opt", TEST + "test_f_opt_is_max_over_policies", TEST + "test_operators_contract"),
    ),
    EquationRow(58, "property", _t("test_theorem2_optimality", "test_fixed_points")),
    EquationRow(
        59, "formula", ("soft.policy_star", "soft.v_star", "soft.q_star", TEST + "test_theorem2_optimality")
    ),
    EquationRow(60, "erratum", ("soft.v_star_argument", TEST + "test_v_star_identity_every_action")),
    EquationRow(61, "property", _t("test_log_sum_exp_bounds", "test_v_star_lambda_to_hard_limit")),
    EquationRow(
        62, "erratum", ("soft.policy_evaluation_operator", TEST + "test_soft_policy_evaluation_operator")
    ),
    EquationRow(
        63,
        "formula",
        ("soft.policy_iteration", "soft.pi_update_arguments", TEST + "test_soft_policy_iteration_improves"),
    ),
)

SECTION = Section(
    key="entropy",
    title=TITLE,
    equations=tuple(range(42, 64)),
    formulas=FORMULAS,
    lecture_map=LECTURE_MAP,
    errata=ERRATA,
    references=(NACHUM, HAARNOJA),
)
