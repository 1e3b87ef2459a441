"""Arguments and tolerances shared by the section modules of the registry."""

from __future__ import annotations

from dataclasses import replace

from rlspec.spec.formula import Arg, Tolerance

P = Arg("P", ("S", "A", "S"), "P", "P[s][a][s'] = P(s' | s, a); rows sum to 1", domain="transition")
R = Arg("R", ("S", "A", "S"), "R", "R[s][a][s'] = r(s, a, s')", domain="reward")
GAMMA = Arg("gamma", (), "gamma", "discount factor, 0 <= gamma < 1", domain="discount")
MU = Arg("mu", ("S",), "mu", "initial state distribution", domain="distribution")
THETA = Arg(
    "theta", ("S", "A"), "theta", "softmax logits: pi(a|s) proportional to exp(theta[s][a])", domain="logits"
)
THETA_NEW = Arg(
    "theta_new",
    ("S", "A"),
    "params.theta_new",
    "logits of the new policy pi_theta",
    domain="logits_near:theta",
)

EPS64 = 2.0**-52

VALUE = Tolerance(
    "value",
    64.0,
    "amax(R) * kappa(gamma)**2",
    "values of a policy: a linear solve with (I - gamma P_pi), condition ~ 1/(1-gamma), "
    "output ~ |R|/(1-gamma)",
)
DISTRIBUTION = Tolerance(
    "distribution",
    64.0,
    "kappa(gamma)",
    "a discounted state distribution: a linear solve with (I - gamma P_pi^T); entries in [0, 1]",
)
GRADIENT = Tolerance(
    "gradient",
    64.0,
    "amax(R) * kappa(gamma)**3",
    "a policy gradient: value (|R| kappa^2) times the visitation's conditioning kappa",
)
STATIONARY = Tolerance(
    "stationary",
    64.0,
    "stationary_kappa(P, theta)",
    "a stationary distribution: its conditioning is the chain's, not gamma's: (1 + ||(I - P_TT)^-1||) "
    "(1 + max_C ||(I - P_CC + 1 pi_C)^-1||) over the transient states T and recurrent classes C of P_pi "
    "(fundamental matrices; a slowly mixing chain is ill-conditioned). A float64 route (classes, "
    "np.linalg.solve) peaked at 0.48 units over 200 random instances (benchmarks/oracle_core.py "
    "--tolerances 200)",
)

# ---- argument lists shared by the tabular sections (softmax policy pi = softmax(theta)) ---------

POLICY_ARGS = (P, R, GAMMA, THETA)  # the values V, Q, A of pi
VISITATION_ARGS = (P, GAMMA, MU, THETA)  # the discounted visitation d_mu^pi (no reward)
TABULAR_ARGS = (P, R, GAMMA, MU, THETA)  # the objective V^pi(mu), its gradient and what builds on them
PAIR_ARGS = (*TABULAR_ARGS, THETA_NEW)  # two policies: theta (the data-collecting theta_t) and theta_new

# ---- references cited by several sections -------------------------------------------------------

TRPO_PAPER = "Schulman et al. 2015, Trust region policy optimization (ICML)"
AGARWAL = (
    "Agarwal et al. 2021, On the theory of policy gradient methods: optimality, approximation, "
    "and distribution shift (JMLR)"
)


def measured(tolerance: Tolerance, factor: float) -> Tolerance:
    """`tolerance` with its factor set from measurement: about 32 to 64 times the worst error of the
    correct implementations (benchmarks/tolerances.py; the target is tolerance / worst <= 100)."""
    return replace(tolerance, factor=factor)
