"""Registry: the MDP core and the policy gradient (values, visitation, policy gradient,
performance difference lemma, hard optimal values)."""

from __future__ import annotations

from functools import partial

from rlspec.spec.formula import EquationRow, Erratum, Formula, Section
from rlspec.spec.sections.common import (
    DISTRIBUTION,
    GAMMA,
    GRADIENT,
    MU,
    PAIR_ARGS,
    POLICY_ARGS,
    STATIONARY,
    TABULAR_ARGS,
    THETA,
    VALUE,
    VISITATION_ARGS,
    P,
    R,
    measured,
)

TITLE = "Natural Policy Gradient (NPG)"
MDP_BACKGROUND = (
    "the MDP background the lecture's equations use (values, visitation, optimality) without"
    " displaying it"
)
TEST = "tests/reference/test_mdp.py"
BELLMAN = "Puterman 1994, Markov Decision Processes, ch. 6"
SUTTON = "Sutton et al. 2000, Policy gradient methods for RL with function approximation"

# The section's defaults: every formula is tabular and certified but mdp.stationary; the values cite
# Puterman.
_tabular = partial(Formula, section=TITLE, family="tabular", bound="certified", references=(BELLMAN,))

FORMULAS = (
    _tabular(
        id="mdp.v",
        beyond_lecture=MDP_BACKGROUND,
        title="state value V^pi",
        latex=r"V^{\pi}(s) = \mathbb{E}\left[\sum_{t=0}^{\infty} \gamma^t r_t \mid s_0 = s, \pi\right]",
        equation="V(s) = E[sum_t gamma^t r(s_t, a_t, s_t+1) | s_0 = s, pi]; solves (I - gamma P_pi) V = r_pi",
        args=POLICY_ARGS,
        output_shape=("S",),
        tolerance=measured(VALUE, 32.0),
        reference="rlspec.reference.mdp:v",
        certificate="rlspec.oracle.certificates.mdp:v",
    ),
    _tabular(
        id="mdp.q",
        beyond_lecture=MDP_BACKGROUND,
        title="action value Q^pi",
        latex=r"Q^{\pi}(s,a) = \mathbb{E}_{s' \sim P(\cdot|s,a)}[r(s,a,s') + \gamma V^{\pi}(s')]",
        equation="Q(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V(s'))",
        args=POLICY_ARGS,
        output_shape=("S", "A"),
        tolerance=measured(VALUE, 32.0),
        reference="rlspec.reference.mdp:q",
        certificate="rlspec.oracle.certificates.mdp:q",
    ),
    _tabular(
        id="mdp.advantage",
        beyond_lecture=MDP_BACKGROUND,
        title="advantage A^pi = Q^pi - V^pi",
        latex=r"A^{\pi}(s,a) = Q^{\pi}(s,a) - V^{\pi}(s)",
        equation="A(s,a) = Q(s,a) - V(s)",
        args=POLICY_ARGS,
        output_shape=("S", "A"),
        tolerance=measured(VALUE, 32.0),
        reference="rlspec.reference.mdp:advantage",
        certificate="rlspec.oracle.certificates.mdp:advantage",
    ),
    _tabular(
        id="mdp.visitation",
        beyond_lecture=MDP_BACKGROUND,
        title="discounted state visitation d_mu^pi",
        latex=r"d_{\mu}^{\pi}(s) = (1-\gamma) \sum_{t=0}^{\infty} \gamma^t P(s_t = s \mid s_0 \sim \mu, \pi)",
        equation="d(s) = (1 - gamma) sum_t gamma^t P(s_t = s); solves d = (1 - gamma) mu + gamma P_pi^T d",
        args=VISITATION_ARGS,
        output_shape=("S",),
        tolerance=measured(DISTRIBUTION, 32.0),
        reference="rlspec.reference.mdp:visitation",
        certificate="rlspec.oracle.certificates.mdp:visitation",
        references=("Agarwal et al. 2021, On the theory of policy gradient methods",),
    ),
    _tabular(
        id="mdp.stationary",
        beyond_lecture=MDP_BACKGROUND,
        title="stationary (average-case) state distribution d^pi",
        latex=r"d^{\pi}(s) = \mathbb{E}_{s_0 \sim \mu}\left[\lim_{t \to \infty} P(s_t = s \mid s_0)\right]",
        equation=(
            "d(s) = E_{s0 ~ mu}[lim_t P(s_t = s | s0)] (Cesaro limit lim_T 1/T sum_{t<T} P(s_t = s) "
            "where P_pi is periodic)"
        ),
        args=(P, MU, THETA),
        output_shape=("S",),
        tolerance=measured(STATIONARY, 8.0),
        reference="rlspec.reference.mdp:stationary",
        bound="estimated",
        references=(
            "Kemeny and Snell 1960, Finite Markov Chains",
            "Meyer 1975, The role of the group generalized inverse in the theory of finite Markov chains",
        ),
        notes=(
            "Computed, never refused: recurrent classes are the closed strongly connected components of "
            "the exact support of P_pi (softmax puts mass on every action, so the support is the union over "
            "actions of the support of P(.|s,a)); each class's stationary law solves pi_C (I - P_CC) = 0, "
            "sum pi_C = 1 (unique for an irreducible class, periodic or not: it is the Cesaro limit); "
            "transient states are weighted by their absorption probabilities h_C = (I - P_TT)^-1 P_TC 1; "
            "d = sum_C (mu(C) + mu_T . h_C) pi_C, so with several recurrent classes d depends on mu."
        ),
    ),
    _tabular(
        id="pg.objective",
        title="objective V^{pi_theta}(mu)",
        latex=r"V^{\pi_\theta}(\mu) = \mathbb{E}_{s_0 \sim \mu}[V^{\pi_\theta}(s_0)]",
        equation="V(mu) = sum_s mu(s) V(s)",
        args=TABULAR_ARGS,
        output_shape=(),
        tolerance=measured(VALUE, 16.0),
        reference="rlspec.reference.mdp:objective",
        certificate="rlspec.oracle.certificates.mdp:objective",
        references=(SUTTON,),
    ),
    _tabular(
        id="pg.gradient",
        beyond_lecture=MDP_BACKGROUND,
        title="policy gradient of the softmax policy",
        latex=(
            r"\frac{\partial V^{\pi_\theta}(\mu)}{\partial \theta_{s,a}} = \frac{1}{1-\gamma} "
            r"d_\mu^{\pi_\theta}(s)\, \pi_\theta(a|s)\, A^{\pi_\theta}(s,a)"
        ),
        equation="dV(mu)/dtheta[s][a] = d(s) pi(a|s) A(s,a) / (1 - gamma)",
        args=TABULAR_ARGS,
        output_shape=("S", "A"),
        tolerance=measured(GRADIENT, 32.0),
        reference="rlspec.reference.mdp:gradient",
        certificate="rlspec.oracle.certificates.mdp:gradient",
        references=(SUTTON, "Agarwal et al. 2021, On the theory of policy gradient methods"),
    ),
    _tabular(
        id="pg.performance_difference",
        section="Trust Region Policy Optimization (TRPO)",
        title="performance difference lemma, right-hand side",
        latex=(
            r"V^{\pi_{\theta_t}}(\mu) + \frac{1}{1-\gamma} \mathbb{E}_{s \sim d_\mu^{\pi_\theta}} "
            r"\mathbb{E}_{a \sim \pi_\theta(\cdot|s)}\left[A^{\pi_{\theta_t}}(s,a)\right]"
        ),
        equation=(
            "V^{pi_t}(mu) + 1/(1-gamma) sum_s d_mu^{pi_new}(s) sum_a pi_new(a|s) A^{pi_t}(s,a), "
            "with pi_t = softmax(theta), pi_new = softmax(theta_new); equals V^{pi_new}(mu) (lecture eq. 23)"
        ),
        args=PAIR_ARGS,
        output_shape=(),
        tolerance=measured(GRADIENT, 32.0),
        reference="rlspec.reference.mdp:performance_difference",
        certificate="rlspec.oracle.certificates.mdp:performance_difference",
        references=("Kakade and Langford 2002, Approximately optimal approximate reinforcement learning",),
        notes="theta plays theta_t of the lecture, theta_new plays theta.",
    ),
    _tabular(
        id="mdp.v_star",
        beyond_lecture=MDP_BACKGROUND,
        section="Entropy Regularization",
        title="optimal state value V* (hard max)",
        latex=r"V^{*}(s) = \max_a \left[ r(s,a) + \gamma \sum_{s'} P(s'|s,a) V^{*}(s') \right]",
        equation="V*(s) = max_a sum_s' P(s'|s,a) (r(s,a,s') + gamma V*(s'))",
        args=(P, R, GAMMA),
        output_shape=("S",),
        tolerance=measured(VALUE, 32.0),
        reference="rlspec.reference.mdp:v_star",
        certificate="rlspec.oracle.certificates.mdp:v_star",
        notes="Policy iteration to an optimal deterministic policy, then its exact evaluation.",
    ),
    _tabular(
        id="mdp.q_star",
        beyond_lecture=MDP_BACKGROUND,
        section="Entropy Regularization",
        title="optimal action value Q* (hard max)",
        latex=r"Q^{*}(s,a) = r(s,a) + \gamma \sum_{s'} P(s'|s,a) \max_{a'} Q^{*}(s',a')",
        equation="Q*(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma max_a' Q*(s',a'))",
        args=(P, R, GAMMA),
        output_shape=("S", "A"),
        tolerance=measured(VALUE, 32.0),
        reference="rlspec.reference.mdp:q_star",
        certificate="rlspec.oracle.certificates.mdp:q_star",
    ),
)

LECTURE_MAP = (
    EquationRow(
        14,
        "formula",
        (
            "pg.objective",
            f"{TEST}::test_objective_is_mu_weighted_value",
            f"{TEST}::test_trajectory_distribution_enumeration",
        ),
        "V(mu) = E_{s0~mu} V(s0) = E_tau r(tau): the registry value, the mu-average of V, and the "
        "trajectory expectation by enumeration",
    ),
    EquationRow(
        15,
        "property",
        (f"{TEST}::test_trajectory_distribution_enumeration", "mdp.trajectory_density_notation"),
        "P_mu^pi(tau) sums to 1 over all trajectories of length T, and its expected discounted return "
        "is mu^T sum_t gamma^t P_pi^t r_pi, within gamma^T max|r|/(1-gamma) of V(mu)",
    ),
    EquationRow(
        23,
        "formula",
        ("pg.performance_difference", f"{TEST}::test_performance_difference_lemma"),
        "the right-hand side equals V^{pi_theta}(mu) computed independently",
    ),
)

ERRATA = (
    Erratum(
        "mdp.trajectory_density_notation",
        15,
        r"\mathbb{E}_{\tau \sim \mathbf{p}_{\mu}^{\pi_{\theta}}} (eq 14), "
        r"but P_{\mu}^{\pi_{\theta}}(\tau) (eq 15)",
        "one trajectory distribution P_mu^{pi_theta}: eq 14's lower-case p_mu is eq 15's P_mu",
        (f"{TEST}::test_trajectory_distribution_enumeration",),
        section=TITLE,
    ),
)

SECTION = Section(
    key="mdp",
    title="MDP core and policy gradient",
    equations=(14, 15, 23),
    formulas=FORMULAS,
    lecture_map=LECTURE_MAP,
    errata=ERRATA,
    references=(BELLMAN, SUTTON),
)
