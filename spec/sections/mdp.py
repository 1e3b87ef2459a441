"""Registry: the MDP core and the policy gradient (values, visitation, policy gradient,
performance difference lemma, hard optimal values)."""

from __future__ import annotations

from spec.formula import EquationRow, Formula, Section
from spec.sections.common import DISTRIBUTION, GAMMA, GRADIENT, MU, VALUE, P, R, THETA

TITLE = "Natural Policy Gradient (NPG)"
BELLMAN = "Puterman 1994, Markov Decision Processes, ch. 6"
SUTTON = "Sutton et al. 2000, Policy gradient methods for RL with function approximation"

FORMULAS = (
    Formula(
        id="mdp.v",
        section=TITLE,
        title="state value V^pi",
        latex=r"V^{\pi}(s) = \mathbb{E}\left[\sum_{t=0}^{\infty} \gamma^t r_t \mid s_0 = s, \pi\right]",
        equation="V(s) = E[sum_t gamma^t r(s_t, a_t, s_t+1) | s_0 = s, pi]; solves (I - gamma P_pi) V = r_pi",
        family="tabular",
        args=(P, R, GAMMA, THETA),
        output_shape=("S",),
        tolerance=VALUE,
        reference="reference.mdp:v",
        references=(BELLMAN,),
    ),
    Formula(
        id="mdp.q",
        section=TITLE,
        title="action value Q^pi",
        latex=r"Q^{\pi}(s,a) = \mathbb{E}_{s' \sim P(\cdot|s,a)}[r(s,a,s') + \gamma V^{\pi}(s')]",
        equation="Q(s,a) = sum_s' P(s'|s,a) (r(s,a,s') + gamma V(s'))",
        family="tabular",
        args=(P, R, GAMMA, THETA),
        output_shape=("S", "A"),
        tolerance=VALUE,
        reference="reference.mdp:q",
        references=(BELLMAN,),
    ),
    Formula(
        id="mdp.advantage",
        section=TITLE,
        title="advantage A^pi = Q^pi - V^pi",
        latex=r"A^{\pi}(s,a) = Q^{\pi}(s,a) - V^{\pi}(s)",
        equation="A(s,a) = Q(s,a) - V(s)",
        family="tabular",
        args=(P, R, GAMMA, THETA),
        output_shape=("S", "A"),
        tolerance=VALUE,
        reference="reference.mdp:advantage",
        references=(BELLMAN,),
    ),
    Formula(
        id="mdp.visitation",
        section=TITLE,
        title="discounted state visitation d_mu^pi",
        latex=r"d_{\mu}^{\pi}(s) = (1-\gamma) \sum_{t=0}^{\infty} \gamma^t P(s_t = s \mid s_0 \sim \mu, \pi)",
        equation="d(s) = (1 - gamma) sum_t gamma^t P(s_t = s); solves d = (1 - gamma) mu + gamma P_pi^T d",
        family="tabular",
        args=(P, GAMMA, MU, THETA),
        output_shape=("S",),
        tolerance=DISTRIBUTION,
        reference="reference.mdp:visitation",
        references=("Agarwal et al. 2021, On the theory of policy gradient methods",),
    ),
    Formula(
        id="pg.objective",
        section=TITLE,
        title="objective V^{pi_theta}(mu)",
        latex=r"V^{\pi_\theta}(\mu) = \mathbb{E}_{s_0 \sim \mu}[V^{\pi_\theta}(s_0)]",
        equation="V(mu) = sum_s mu(s) V(s)",
        family="tabular",
        args=(P, R, GAMMA, MU, THETA),
        output_shape=(),
        tolerance=VALUE,
        reference="reference.mdp:objective",
        references=(SUTTON,),
    ),
    Formula(
        id="pg.gradient",
        section=TITLE,
        title="policy gradient of the softmax policy",
        latex=r"\frac{\partial V^{\pi_\theta}(\mu)}{\partial \theta_{s,a}} = \frac{1}{1-\gamma} d_\mu^{\pi_\theta}(s)\, \pi_\theta(a|s)\, A^{\pi_\theta}(s,a)",
        equation="dV(mu)/dtheta[s][a] = d(s) pi(a|s) A(s,a) / (1 - gamma)",
        family="tabular",
        args=(P, R, GAMMA, MU, THETA),
        output_shape=("S", "A"),
        tolerance=GRADIENT,
        reference="reference.mdp:gradient",
        references=(SUTTON, "Agarwal et al. 2021, On the theory of policy gradient methods"),
    ),
)

SECTION = Section(
    key="mdp",
    title="MDP core and policy gradient",
    equations=(14, 15, 23),
    formulas=FORMULAS,
    lecture_map=(EquationRow(14, "formula", ("pg.objective",)),),
)
