"""Registry: Trust Region Policy Optimization (TRPO) on the tabular softmax policy — the
surrogate V_t, the KL divergences, the lower bound, the local models, the natural step, the
backtracking line search, Fisher-vector products and conjugate gradient (lecture eqs 24-29)."""

from __future__ import annotations

from functools import partial

from rlspec.spec.formula import Arg, EquationRow, Erratum, Formula, Section, Tolerance
from rlspec.spec.sections.common import (
    PAIR_ARGS,
    TABULAR_ARGS,
    THETA,
    THETA_NEW,
    TRPO_PAPER,
    VISITATION_ARGS,
    measured,
)

TITLE = "Trust Region Policy Optimization (TRPO)"
TRPO_SOLVER = (
    "a step of how TRPO solves eq 29 in practice (Schulman et al. 2015, appendix C), not a"
    " lecture equation"
)
TITLE_NPG = "TRPO is Approximately NPG Plus Line Search"
KAKADE_LANGFORD = "Kakade and Langford 2002, Approximately optimal approximate reinforcement learning (ICML)"
HESTENES = "Hestenes and Stiefel 1952, Methods of conjugate gradients for solving linear systems"
TEST = "tests/reference/test_trpo.py"

DELTA = Arg("delta", (), "params.delta", "trust-region radius delta > 0 (a KL)", domain="unit_open")
BETA = Arg("beta", (), "params.beta", "backtracking factor beta in (0, 1)", domain="unit_open")
MAX_BACKTRACKS = Arg(
    "max_backtracks",
    (),
    "params.max_backtracks",
    "the largest j tried: candidates theta + beta^j step for j = 0..max_backtracks",
    domain="int:0..10",
    dtype="int64",
)
V = Arg("v", ("S", "A"), "params.v", "a parameter-space vector, [S][A] (flattened row-major)", domain="real")
ITERATIONS = Arg(
    "iterations", (), "params.iterations", "number of CG iterations k >= 0", domain="int:0..10", dtype="int64"
)
DAMPING = Arg(
    "damping",
    (),
    "params.damping",
    "CG damping lambda: solves (F + lambda I) x = g (the lecture's problem is lambda = 0)",
    domain="temperature",
)

KL_ARGS = (*VISITATION_ARGS, THETA_NEW)  # d_t-weighted comparisons of pi_t = pi_theta with pi_theta_new

SURROGATE = Tolerance(
    "surrogate",
    64.0,
    "amax(R) * kappa(gamma)**3",
    "V^{pi_t}(mu) (|R| kappa^2) plus an expectation over d_t of A_t / (1 - gamma): A's error "
    "(|R| kappa^2) and d's (kappa, times |A| <= 2 |R| kappa) over (1 - gamma)",
)
KL = Tolerance(
    "kl",
    64.0,
    "(1 + amax(theta) + amax(theta_new) + kappa(gamma) * softmax_kl_max(theta, theta_new))",
    "a d_t-average of KLs of log-softmaxes: each log-probability carries ~ eps (|theta| + |theta_new|), "
    "and d's error (kappa) multiplies the KLs (at most max_s KL)",
)
MAX_KL = Tolerance(
    "max_kl",
    64.0,
    "(1 + amax(theta) + amax(theta_new))",
    "KLs of log-softmaxes: ~ eps (|theta| + |theta_new|)",
)
LOWER_BOUND = Tolerance(
    "lower_bound",
    64.0,
    "amax(R) * kappa(gamma)**3 * (1 + kappa(gamma) * softmax_kl_max(theta, theta_new) + amax(theta) + "
    "amax(theta_new))",
    "the surrogate's error (|R| kappa^3) plus the penalty 2 gamma eps_t kappa^2 max KL: eps_t's error "
    "(|R| kappa^2) times kappa^2 max KL, and max KL's error (eps (|theta| + |theta_new|)) times "
    "2 gamma eps_t kappa^2 <= 4 |R| kappa^3",
)
LINEAR = Tolerance(
    "surrogate_linear",
    64.0,
    "amax(R) * kappa(gamma)**3 * (1 + np.sum(np.abs(theta_new - theta)))",
    "grad V (|R| kappa^3 eps per entry) dotted with theta_new - theta",
)
FVP = Tolerance(
    "fisher_vector_product",
    64.0,
    "kappa(gamma) * amax(v)",
    "d(s) pi * (v - pi . v): d's error (kappa) times |v|",
)
KL_QUADRATIC = Tolerance(
    "kl_quadratic",
    64.0,
    "kappa(gamma) * (1 + np.sum((theta_new - theta)**2))",
    "(1/2) x^T F x with F's error (kappa, as for npg.fisher) times |x|^2",
)
STEP = Tolerance(
    "step",
    64.0,
    "trpo_step_scale(P, R, gamma, mu, theta, delta)",
    "sqrt(2 delta) x / N, x = F^+ g = (A - mean A) / (1 - gamma), N = sqrt(g^T x) (natural_norm, from the "
    "inputs): x's error (|R| kappa^3, as npg.direction) over N, plus |x| <= 4 |R| kappa^2 times the relative "
    "conditioning of N, |R| kappa^3 / N (A's error against sqrt(E_d Var_pi A)); never 1 / min pi",
)
LINE_SEARCH = Tolerance(
    "line_search",
    64.0,
    "(1 + amax(theta) + trpo_step_scale(P, R, gamma, mu, theta, delta))",
    "theta + beta^j step: theta's rounding plus the step's tolerance (trpo.step). The accepted j is "
    "the oracle's, or another that a float64 evaluation could reach (see the notes)",
)
BACKTRACKS = Tolerance(
    "backtracks", 0.0, "1.0", "an integer: the oracle's, or another count float64 could reach (notes)"
)
TIES = (
    " Ties: a candidate's test sits on its threshold when the exact gain is within 64 eps64 |R| kappa^3 "
    "(1 + |beta^j step|_1) of 0 or the mean KL within 64 eps64 (kappa (1 + |theta| + |theta_j|) + 2 KL) of "
    "delta; float64 may then decide either way, and the suite accepts every count (and its theta_j) "
    "reachable by taking each such test both ways, up to the first certain acceptance "
    "(oracle/margins.py). With one action (or any g = 0) the exact step is 0 and never accepted (-1), "
    "but float64 sees a gain of +-1e-16: every count 0..max_backtracks is accepted too."
)
CG = Tolerance(
    "conjugate_gradient",
    64.0,
    "amax(R) * kappa(gamma)**2 * cg_condition(P, gamma, mu, theta, damping) * (1 + iterations)",
    "k CG steps on F + damping I: g's error (|R| kappa^3) and the system's conditioning, with "
    "low = damping + 1 / npg_condition and high = 1/2 + damping bracketing the spectrum on F's range: "
    "|R| kappa^2 (kappa + high / low) / low (cg_condition; with a large damping x ~ g / damping is small "
    "and so is its error), plus the rounding that leaks into F's null space, amplified by 1/damping once "
    "CG has converged, growing with the iterations (float64 CG loses orthogonality). With damping = 0, "
    "iterating past convergence is ill-posed in float64 (CG divides by a rounding-level curvature); the "
    "suite samples damping log-uniformly in [1e-3, 10] (and near 1e-5 and 1e3 at the domain ends)",
)

# One builder per lecture subsection, with the section's defaults; an entry overrides what differs.
_trpo = partial(Formula, section=TITLE, family="tabular", references=(TRPO_PAPER,))
_trpo_npg = partial(Formula, section=TITLE_NPG, family="tabular", references=(TRPO_PAPER,))

FORMULAS = (
    _trpo(
        id="trpo.surrogate",
        title="surrogate V_t(theta)",
        latex=(
            r"V_t(\theta) = V^{\pi_{\theta_t}}(\mu) + \frac{1}{1-\gamma} \mathbb{E}_{s \sim "
            r"d_{\mu}^{\pi_{\theta_t}}}"
            r"\mathbb{E}_{a \sim \pi_\theta(\cdot|s)}\left[A^{\pi_{\theta_t}}(s,a)\right]"
        ),
        equation="V_t = V^{pi_t}(mu) + sum_s d_t(s) sum_a pi_new(a|s) A_t(s,a) / (1 - gamma)",
        args=PAIR_ARGS,
        output_shape=(),
        tolerance=measured(SURROGATE, 32.0),
        reference="rlspec.reference.trpo:surrogate",
        references=(TRPO_PAPER, KAKADE_LANGFORD),
        notes="Eq 24; theta = theta_t (the data-collecting policy), theta_new = the argument theta of V_t.",
    ),
    _trpo(
        id="trpo.lower_bound",
        title="TRPO lower bound on V^{pi_theta}(mu)",
        latex=(
            r"V_t(\theta) - \frac{2\gamma\varepsilon_t}{(1-\gamma)^2} \max_s "
            r"\mathrm{KL}(\pi_{\theta_t}(\cdot|s) \| "
            r"\pi_\theta(\cdot|s)), \quad \varepsilon_t = \max_{s,a} |A^{\pi_{\theta_t}}(s,a)|"
        ),
        equation=(
            "V_t(theta_new) - 2 gamma eps_t / (1 - gamma)^2 max_s KL(pi_t(.|s) || pi_new(.|s)), eps_t = "
            "max |A_t|"
        ),
        args=PAIR_ARGS,
        output_shape=(),
        tolerance=measured(LOWER_BOUND, 4.0),
        reference="rlspec.reference.trpo:lower_bound",
        notes=(
            "Eq 25's right-hand side: V^{pi_new}(mu) >= it. The max and eps_t range over every state "
            "(also those d_mu never reaches). Schulman et al.'s Theorem 1 has 4 eps gamma/(1-gamma)^2 "
            "times the squared max total variation; Pinsker's TV^2 <= KL/2 gives the lecture's 2. "
            "The bound is loose: over 600 random instances the largest (V_t - V^{pi_new}(mu)) / penalty was "
            "0.053 (benchmarks/oracle_npg.py --lower-bound 600)."
        ),
    ),
    _trpo(
        id="trpo.max_kl",
        title="max_s KL(pi_t(.|s) || pi_theta(.|s))",
        latex=r"\max_s \mathrm{KL}(\pi_{\theta_t}(\cdot|s) \| \pi_\theta(\cdot|s))",
        equation="max over every state s of sum_a pi_t(a|s) log(pi_t(a|s) / pi_new(a|s))",
        args=(THETA, THETA_NEW),
        output_shape=(),
        tolerance=measured(MAX_KL, 16.0),
        reference="rlspec.reference.trpo:max_kl",
        notes="Eqs 25, 26. Old policy first.",
    ),
    _trpo(
        id="trpo.mean_kl",
        title="mean KL E_{s ~ d_t} KL(pi_t(.|s) || pi_theta(.|s))",
        latex=(
            r"\mathbb{E}_{s \sim d_{\mu}^{\pi_{\theta_t}}}\left[\mathrm{KL}(\pi_{\theta_t}(\cdot|s) \| "
            r"\pi_\theta(\cdot|s))\right]"
        ),
        equation="sum_s d_t(s) sum_a pi_t(a|s) log(pi_t(a|s) / pi_new(a|s))",
        args=KL_ARGS,
        output_shape=(),
        tolerance=measured(KL, 16.0),
        reference="rlspec.reference.trpo:mean_kl",
        notes="Eq 27's constraint (and eq 28's left side of the quadratic model). Old policy first.",
    ),
    _trpo_npg(
        id="trpo.surrogate_linear",
        title="linear model of the surrogate",
        latex=r"(\nabla_\theta V^{\pi_{\theta_t}}(\mu))^{\mathsf T} (\theta - \theta_t)",
        equation="sum_{s,a} grad V(theta_t)[s][a] (theta_new[s][a] - theta[s][a])",
        args=PAIR_ARGS,
        output_shape=(),
        tolerance=measured(LINEAR, 1.0),
        reference="rlspec.reference.trpo:surrogate_linear",
        notes=(
            "Eq 28, left. It models V_t(theta) - V^{pi_t}(mu): the lecture's 'V_t(theta) approx ...' drops "
            "the constant V^{pi_t}(mu), which does not change the maximizer (erratum trpo.linear_model)."
        ),
    ),
    _trpo_npg(
        id="trpo.kl_quadratic",
        title="quadratic model of the mean KL",
        latex=r"\frac{1}{2} (\theta - \theta_t)^{\mathsf T} F(\theta_t) (\theta - \theta_t)",
        equation="(1/2) sum_s d_t(s) Var_{a ~ pi_t(.|s)}[theta_new[s][a] - theta[s][a]]",
        args=KL_ARGS,
        output_shape=(),
        tolerance=measured(KL_QUADRATIC, 2.0),
        reference="rlspec.reference.trpo:kl_quadratic",
        references=(TRPO_PAPER, KAKADE_LANGFORD),
        notes="Eq 28, right: the second-order Taylor model of trpo.mean_kl at theta_t (F = npg.fisher).",
    ),
    _trpo_npg(
        id="trpo.fisher_vector_product",
        beyond_lecture=TRPO_SOLVER,
        title="Fisher-vector product F(theta_t) v",
        latex=r"F(\theta_t) v",
        equation="(F v)[s][a] = d_t(s) pi_t(a|s) (v[s][a] - sum_a' pi_t(a'|s) v[s][a'])",
        args=(*VISITATION_ARGS, V),
        output_shape=("S", "A"),
        tolerance=measured(FVP, 32.0),
        reference="rlspec.reference.trpo:fisher_vector_product",
        notes="The Hessian-vector product of the mean KL at theta_t (npg.fisher times v), without forming F.",
    ),
    _trpo_npg(
        id="trpo.step",
        title="natural step of KL size delta",
        latex=(
            r"\sqrt{\frac{2\delta}{g^{\mathsf T} F^{\dagger} g}}\, F^{\dagger} g, \quad g = \nabla_\theta "
            r"V^{\pi_{\theta_t}}(\mu)"
        ),
        equation="sqrt(2 delta / (g . x)) x with x = npg.direction (F^+ g); 0 when g . x = 0",
        args=(*TABULAR_ARGS, DELTA),
        output_shape=("S", "A"),
        tolerance=measured(STEP, 16.0),
        reference="rlspec.reference.trpo:step",
        bound="certified",
        certificate="rlspec.oracle.certificates.trpo:step",
        references=(TRPO_PAPER, KAKADE_LANGFORD),
        notes="Eq 29's solution: maximizes g^T x subject to (1/2) x^T F x <= delta (attained with equality).",
    ),
    _trpo_npg(
        id="trpo.line_search",
        title="backtracking line search on the natural step",
        latex=(
            r"\theta_{t+1} = \theta_t + \beta^{j} s, \ j = \min\{j \le J : V_t(\theta_t + \beta^j s) > "
            r"V_t(\theta_t),\ "
            r"\bar{\mathrm{KL}}(\theta_t + \beta^j s) \le \delta\}"
        ),
        equation=(
            "s = trpo.step; for j = 0, 1, ..., max_backtracks: theta_j = theta + beta^j s; accept the "
            "first j with "
            "V_t(theta_j) > V^{pi_t}(mu) (strict improvement of the surrogate) and trpo.mean_kl(theta_j) "
            "<= delta; "
            "return theta_j, or theta when no j is accepted"
        ),
        args=(*TABULAR_ARGS, DELTA, BETA, MAX_BACKTRACKS),
        output_shape=("S", "A"),
        tolerance=measured(LINE_SEARCH, 8.0),
        reference="rlspec.reference.trpo:line_search",
        notes=(
            "'TRPO is NPG with adaptive line search in implementations.' The rule is Spinning Up's (KL "
            "<= delta "
            "and no loss increase) with a strict improvement; OpenAI Baselines accepts KL <= 1.5 delta. "
            "Improvement is tested as E_{d_t} E_{pi_j} A_t > 0, i.e. V_t(theta_j) > V_t(theta_t)." + TIES
        ),
    ),
    _trpo_npg(
        id="trpo.line_search_backtracks",
        beyond_lecture=TRPO_SOLVER,
        title="number of backtracks of the line search",
        latex=r"j \text{ of trpo.line\_search}, \text{ or } -1",
        equation="the accepted j of trpo.line_search, or -1 when no candidate is accepted",
        args=(*TABULAR_ARGS, DELTA, BETA, MAX_BACKTRACKS),
        output_shape=(),
        tolerance=BACKTRACKS,
        reference="rlspec.reference.trpo:line_search_backtracks",
        output_dtype="int64",
        notes="The j of trpo.line_search." + TIES,
    ),
    _trpo_npg(
        id="trpo.conjugate_gradient",
        title="conjugate gradient for F x = g (k iterations, damping)",
        latex=(
            r"x_k = \mathrm{CG}_k\left(F(\theta_t) + \lambda I,\ \nabla_\theta "
            r"V^{\pi_{\theta_t}}(\mu)\right), \ x_0 = 0"
        ),
        equation=(
            "r_0 = p_0 = g, x_0 = 0; alpha = r.r / p.(F + lambda I)p; x += alpha p; r -= alpha (F + "
            "lambda I) p; "
            "p = r + (r_new.r_new / r.r) p; stop early when r = 0 "
            "(the oracle: |r| <= 2^(-3b/4) |g| at b working bits) "
            "or p.(F + lambda I)p <= 0"
        ),
        args=(*TABULAR_ARGS, ITERATIONS, DAMPING),
        output_shape=("S", "A"),
        tolerance=measured(CG, 2.0),
        reference="rlspec.reference.trpo:conjugate_gradient",
        references=(HESTENES, TRPO_PAPER),
        notes=(
            "The building block libraries use for F^+ g. With lambda = 0 (the lecture) and k = |S||A| "
            "iterations it reaches npg.direction (g lies in F's range). Libraries that damp the solve "
            "(lambda ~ 0.1) usually also use the damped F in the step size."
        ),
    ),
)

ERRATA = (
    Erratum(
        "trpo.linear_model",
        28,
        "V_t(theta) approx (grad V^{pi_t}(mu))^T (theta - theta_t)",
        "V_t(theta) approx V^{pi_t}(mu) + (grad V^{pi_t}(mu))^T (theta - theta_t): the constant "
        "V^{pi_t}(mu) is "
        "dropped (it does not change the maximizer of eq 29)",
        (f"{TEST}::test_surrogate_matches_value_to_first_order",),
        TITLE_NPG,
    ),
    Erratum(
        "trpo.citation_year",
        0,
        'See "Trust region policy optimization" by Schulman et al. 2017',
        "Schulman, Levine, Moritz, Jordan and Abbeel, ICML 2015 (arXiv 1502.05477); the constant 2 of eq 25 "
        "follows from their Theorem 1 (4 eps gamma/(1-gamma)^2 times max TV^2) with Pinsker's TV^2 <= KL/2",
        (f"{TEST}::test_lower_bound_holds",),
        TITLE,
    ),
)

SECTION = Section(
    key="trpo",
    title=TITLE,
    equations=(24, 25, 26, 27, 28, 29),
    formulas=FORMULAS,
    lecture_map=(
        EquationRow(
            24, "formula", ("trpo.surrogate", f"{TEST}::test_surrogate_matches_value_to_first_order")
        ),
        EquationRow(25, "formula", ("trpo.lower_bound", f"{TEST}::test_lower_bound_holds")),
        EquationRow(26, "formula", ("trpo.max_kl", f"{TEST}::test_kl_divergences")),
        EquationRow(27, "formula", ("trpo.mean_kl", f"{TEST}::test_kl_divergences")),
        EquationRow(
            28,
            "formula",
            (
                "trpo.surrogate_linear",
                "trpo.kl_quadratic",
                f"{TEST}::test_quadratic_model_of_mean_kl",
                "trpo.linear_model",
            ),
        ),
        EquationRow(
            29,
            "formula",
            (
                "trpo.step",
                "trpo.line_search",
                "trpo.conjugate_gradient",
                f"{TEST}::test_step_solves_trust_region_problem",
                f"{TEST}::test_conjugate_gradient_reaches_pseudo_inverse",
            ),
        ),
    ),
    errata=ERRATA,
    references=(TRPO_PAPER, KAKADE_LANGFORD),
)
