"""Registry: natural gradient over distributions (lecture sections "Gradient Method over
Distributions", "Natural Gradient over Distributions", "Derivation of Natural Gradient
Direction"; display equations 1-13).

Two instance families: `dist_categorical` (softmax logits theta [K] over the support {0..K-1},
values f [K]) and `dist_gaussian` (diagonal Gaussian with theta = (mean [n], log_std [n]) and a
quadratic f(x) = c + b^T x + x^T H x). One id per formula per family: `dist.<name>_categorical`,
`dist.<name>_gaussian`.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from rlspec.spec.formula import Arg, EquationRow, Erratum, Formula, Section, Tolerance
from rlspec.spec.sections.common import measured

TITLE = "Natural Gradient over Distributions"
GRADIENT_TITLE = "Gradient Method over Distributions"
DERIVATION_TITLE = "Derivation of Natural Gradient Direction"
AMARI = "Amari 1998, Natural gradient works efficiently in learning, Neural Computation 10(2)"
KAKADE = "Kakade 2001, A natural policy gradient, NeurIPS 14"
WILLIAMS = "Williams 1992, Simple statistical gradient-following algorithms (REINFORCE), Machine Learning 8"
KULLBACK = "Kullback and Leibler 1951, On information and sufficiency, Ann. Math. Statist. 22(1)"
TEST = "tests/reference/test_natural_gradient.py::"

# ---- arguments -------------------------------------------------------------------------------

THETA_K = Arg(
    "theta", ("K",), "theta", "softmax logits: p_theta(x) proportional to exp(theta[x])", domain="logits"
)
F_K = Arg("f", ("K",), "f", "f[x] = f(x), the objective's value at support point x")
THETA_NEW_K = Arg(
    "theta_new", ("K",), "params.theta_new", "logits of the second distribution Q", domain="logits_near:theta"
)
ALPHA = Arg(
    "alpha", (), "params.alpha", "the KL budget alpha > 0 (constraint d^T F d <= 2 alpha)", domain="budget"
)

MEAN = Arg("mean", ("n",), "mean", "the Gaussian's mean m")
LOG_STD = Arg("log_std", ("n",), "log_std", "log sigma: the Gaussian's log standard deviations")
C = Arg("c", (), "c", "constant term of f(x) = c + b^T x + x^T H x")
B = Arg("b", ("n",), "b", "linear term of f(x) = c + b^T x + x^T H x")
H = Arg("H", ("n", "n"), "H", "quadratic term of f(x) = c + b^T x + x^T H x (not necessarily symmetric)")
MEAN_NEW = Arg(
    "mean_new", ("n",), "params.mean_new", "the mean of the second Gaussian Q", domain="logits_near:mean"
)
LOG_STD_NEW = Arg(
    "log_std_new",
    ("n",),
    "params.log_std_new",
    "log sigma of the second Gaussian Q",
    domain="logits_near:log_std",
)
X = Arg("x", ("n",), "params.x", "a point x of R^n", domain="real")

GAUSS_F = (MEAN, LOG_STD, C, B, H)

# ---- tolerances ------------------------------------------------------------------------------
# Measured: two float64 numpy implementations (conformance_tests/examples/np_natural_gradient.py and
# a literal-expectation / eigen-pseudo-inverse variant) against the oracle on 500 + 300 seeded
# instances of each family (K <= 6, logit scale up to 8, n <= 4, log-std scale up to 1.5):
# peak 1.51 units of eps64 * scale over all dist.* formulas; factor 32 leaves a 21x margin.

CAT_VALUE = Tolerance(
    "dist_value",
    32.0,
    "amax(f)",
    "an expectation or a score-weighted expectation of f under a softmax: a sum of K terms",
)
UNIT = Tolerance("dist_unit", 32.0, "1.0", "entries built from probabilities in [0, 1]")
CAT_KL = Tolerance(
    "dist_kl_categorical",
    32.0,
    "1 + np.ptp(theta) + np.ptp(theta_new)",
    "sum_x p (log p - log q): log-softmax errs by eps times the logits' range",
)
CAT_DIRECTION = Tolerance(
    "dist_natural_categorical",
    32.0,
    "amax(f)",
    "F^+ grad J = f - mean(f) whatever p is (every p > 0): a subtraction of values of f; a "
    "pseudo-inverse of diag(p) - p p^T inherits 1 / min p from the algorithm, not the formula",
)
CAT_STEP = Tolerance(
    "dist_step_categorical",
    32.0,
    "categorical_step_scale(theta, f, alpha)",
    "d* = sqrt(2 alpha / Var_p f) (f - mean f): the centring's error (eps |f|) times sqrt(2 alpha / Var), "
    "plus |d*| <= sqrt(2 alpha / Var) ptp(f) times the relative conditioning of Var_p f = g^T F^+ g, "
    "|f| / sqrt(Var) + ptp(theta) (a perturbation of f or of the logits)",
)
G_OBJECTIVE = Tolerance(
    "dist_value_gaussian", 32.0, "gauss_moments(mean, log_std, c, b, H)", "the sum of the terms of E f(X)"
)
G_SCORE = Tolerance(
    "dist_score_gaussian",
    32.0,
    "amax((np.abs(x) + np.abs(mean)) * np.exp(-2 * log_std)) + amax((np.abs(x) + np.abs(mean)) * np.exp(-log_std)) ** 2 + 1",  # noqa: E501
    "(x - m) / sigma^2 and ((x - m) / sigma)^2 - 1, each scaled by its terms",
)
G_GRADIENT = Tolerance(
    "dist_gradient_gaussian",
    32.0,
    "amax(gauss_gradient_terms(mean, log_std, b, H))",
    "b + (H + H^T) m and 2 H_ii sigma_i^2, scaled by their terms",
)
G_FISHER = Tolerance("dist_fisher_gaussian", 32.0, "amax(np.exp(-2 * log_std)) + 2", "diag(1 / sigma^2, 2)")
G_KL = Tolerance(
    "dist_kl_gaussian",
    32.0,
    "1 + amax(log_std) + amax(log_std_new) + amax(np.exp(2 * (log_std - log_std_new)))"
    " + amax((np.abs(mean) + np.abs(mean_new)) ** 2 * np.exp(-2 * log_std_new))",
    "the terms of the closed-form Gaussian KL",
)
G_DIRECTION = Tolerance(
    "dist_natural_gaussian",
    32.0,
    "amax(gauss_gradient_terms(mean, log_std, b, H, True))",
    "F^{-1} grad J = (sigma^2 (b + (H + H^T) m), H_ii sigma_i^2), scaled by its terms",
)
G_STEP = Tolerance(
    "dist_step_gaussian",
    32.0,
    "np.sqrt(2 * alpha) * np.maximum(1.0, np.max(np.exp(log_std)))",
    "|d*_i| <= sqrt(2 alpha / F_ii) since d*^T F d* = 2 alpha",
)


# One builder per family with the section's defaults; every entry is certified.
_cat = partial(Formula, section=TITLE, family="dist_categorical", bound="certified")
_gauss = partial(Formula, section=TITLE, family="dist_gaussian", bound="certified")


STEP_NOTE = (
    "d* = 0 when grad J = 0 (every d is then optimal). The constraint d^T F d <= 2 alpha is the "
    "second-order model of KL(P_theta || P_theta+d) <= alpha (lecture eq. 4; eq. 13 prints 2 alpha "
    "for the KL budget: see erratum dist.kl_budget)."
)

FORMULAS: tuple[Formula, ...] = (
    _cat(
        id="dist.objective_categorical",
        title="objective J(theta) = E f(X), categorical",
        latex=r"J(\theta) = \mathbb{E}_{X \sim P_\theta}[f(X)] = \sum_x p_\theta(x) f(x)",
        equation="J = sum_x softmax(theta)[x] f[x]",
        args=(THETA_K, F_K),
        output_shape=(),
        tolerance=CAT_VALUE,
        reference="rlspec.reference.natural_gradient:objective_categorical",
        certificate="rlspec.oracle.certificates.natural_gradient:objective_categorical",
        references=(WILLIAMS,),
    ),
    _cat(
        id="dist.score_categorical",
        title="score grad log p_theta(x) for every x, categorical",
        latex=r"\nabla_\theta \log p_\theta(x) = e_x - p_\theta",
        equation="row x: e_x - softmax(theta)",
        args=(THETA_K,),
        output_shape=("K", "K"),
        tolerance=UNIT,
        reference="rlspec.reference.natural_gradient:score_categorical",
        certificate="rlspec.oracle.certificates.natural_gradient:score_categorical",
        references=(WILLIAMS,),
    ),
    _cat(
        id="dist.gradient_categorical",
        title="score-function gradient of J, categorical",
        latex=r"\nabla J(\theta) = \mathbb{E}_{X \sim P_\theta}[f(X) \nabla_\theta \log p_\theta(X)] = p \odot (f - J)",  # noqa: E501
        equation="grad J = E[f(X) grad log p(X)] = p * (f - sum_x p f)",
        args=(THETA_K, F_K),
        output_shape=("K",),
        tolerance=CAT_VALUE,
        reference="rlspec.reference.natural_gradient:gradient_categorical",
        certificate="rlspec.oracle.certificates.natural_gradient:gradient_categorical",
        references=(WILLIAMS,),
    ),
    _cat(
        id="dist.fisher_categorical",
        title="Fisher information, categorical",
        latex=r"F(\theta) = \mathbb{E}[\nabla \log p_\theta (\nabla \log p_\theta)^\top] = \mathrm{diag}(p) - p p^\top",  # noqa: E501
        equation="F = diag(p) - p p^T",
        args=(THETA_K,),
        output_shape=("K", "K"),
        tolerance=UNIT,
        reference="rlspec.reference.natural_gradient:fisher_categorical",
        certificate="rlspec.oracle.certificates.natural_gradient:fisher_categorical",
        references=(AMARI,),
    ),
    _cat(
        id="dist.kl_categorical",
        title="KL(P_theta || P_theta_new), categorical",
        latex=r"\mathrm{KL}(P \| Q) = \sum_x p(x) \log \frac{p(x)}{q(x)}",
        equation="KL = sum_x p(x) (log p(x) - log q(x)), p = softmax(theta), q = softmax(theta_new)",
        args=(THETA_K, THETA_NEW_K),
        output_shape=(),
        tolerance=CAT_KL,
        reference="rlspec.reference.natural_gradient:kl_categorical",
        certificate="rlspec.oracle.certificates.natural_gradient:kl_categorical",
        references=(KULLBACK,),
    ),
    _cat(
        id="dist.natural_direction_categorical",
        title="natural direction F^+ grad J, categorical",
        latex=r"F(\theta)^{\dagger} \nabla J(\theta)",
        equation="F^+ grad J (Moore-Penrose pseudo-inverse; equals f - mean(f))",
        args=(THETA_K, F_K),
        output_shape=("K",),
        tolerance=CAT_DIRECTION,
        reference="rlspec.reference.natural_gradient:natural_direction_categorical",
        certificate="rlspec.oracle.certificates.natural_gradient:natural_direction_categorical",
        references=(AMARI, KAKADE),
        notes="F is singular along the constant vector; F^+ grad J is the l2-minimal solution, orthogonal to 1.",  # noqa: E501
    ),
    _cat(
        id="dist.natural_step_categorical",
        title="natural step solving max <g, d> s.t. d^T F d <= 2 alpha, categorical",
        latex=r"d^\star = \sqrt{\frac{2\alpha}{g^\top F^{\dagger} g}}\, F^{\dagger} g,\quad g = \nabla J(\theta)",  # noqa: E501
        equation="d* = sqrt(2 alpha / (g^T F^+ g)) F^+ g",
        args=(THETA_K, F_K, ALPHA),
        output_shape=("K",),
        tolerance=measured(CAT_STEP, 8.0),
        reference="rlspec.reference.natural_gradient:natural_step_categorical",
        certificate="rlspec.oracle.certificates.natural_gradient:natural_step_categorical",
        references=(AMARI, KAKADE),
        notes=STEP_NOTE,
    ),
    _gauss(
        id="dist.objective_gaussian",
        title="objective J(theta) = E f(X), diagonal Gaussian, quadratic f",
        latex=r"J(\theta) = \mathbb{E}[c + b^\top X + X^\top H X] = c + b^\top m + m^\top H m + \sum_i H_{ii} \sigma_i^2",  # noqa: E501
        equation="J = c + b^T m + m^T H m + sum_i H_ii sigma_i^2",
        args=GAUSS_F,
        output_shape=(),
        tolerance=G_OBJECTIVE,
        reference="rlspec.reference.natural_gradient:objective_gaussian",
        certificate="rlspec.oracle.certificates.natural_gradient:objective_gaussian",
        references=(WILLIAMS,),
    ),
    _gauss(
        id="dist.score_gaussian",
        title="score grad log p_theta(x), diagonal Gaussian, theta = (mean, log_std)",
        latex=r"\nabla_\theta \log p_\theta(x) = \left(\frac{x - m}{\sigma^2}, \frac{(x - m)^2}{\sigma^2} - 1\right)",  # noqa: E501
        equation="((x - m) / sigma^2, (x - m)^2 / sigma^2 - 1)",
        args=(MEAN, LOG_STD, X),
        output_shape=("2*n",),
        tolerance=G_SCORE,
        reference="rlspec.reference.natural_gradient:score_gaussian",
        certificate="rlspec.oracle.certificates.natural_gradient:score_gaussian",
        references=(WILLIAMS,),
    ),
    _gauss(
        id="dist.gradient_gaussian",
        title="score-function gradient of J, diagonal Gaussian",
        latex=r"\nabla J = \mathbb{E}[f(X) \nabla_\theta \log p_\theta(X)] = \left(b + (H + H^\top) m,\ 2 H_{ii} \sigma_i^2\right)",  # noqa: E501
        equation="grad J = (b + (H + H^T) m, 2 diag(H) sigma^2)",
        args=GAUSS_F,
        output_shape=("2*n",),
        tolerance=G_GRADIENT,
        reference="rlspec.reference.natural_gradient:gradient_gaussian",
        certificate="rlspec.oracle.certificates.natural_gradient:gradient_gaussian",
        references=(WILLIAMS,),
    ),
    _gauss(
        id="dist.fisher_gaussian",
        title="Fisher information, diagonal Gaussian, theta = (mean, log_std)",
        latex=r"F(\theta) = \mathrm{diag}\left(\sigma^{-2}, 2\right)",
        equation="F = diag(1 / sigma_1^2 .. 1 / sigma_n^2, 2 .. 2)",
        args=(MEAN, LOG_STD),
        output_shape=("2*n", "2*n"),
        tolerance=G_FISHER,
        reference="rlspec.reference.natural_gradient:fisher_gaussian",
        certificate="rlspec.oracle.certificates.natural_gradient:fisher_gaussian",
        references=(AMARI,),
    ),
    _gauss(
        id="dist.kl_gaussian",
        title="KL(P_theta || P_theta_new), diagonal Gaussians",
        latex=r"\mathrm{KL} = \sum_i \left[\log\frac{\sigma'_i}{\sigma_i} + \frac{\sigma_i^2 + (m_i - m'_i)^2}{2 \sigma_i'^2} - \frac12\right]",  # noqa: E501
        equation="KL = sum_i [s'_i - s_i + (sigma_i^2 + (m_i - m'_i)^2) / (2 sigma'_i^2) - 1/2]",
        args=(MEAN, LOG_STD, MEAN_NEW, LOG_STD_NEW),
        output_shape=(),
        tolerance=measured(G_KL, 8.0),
        reference="rlspec.reference.natural_gradient:kl_gaussian",
        certificate="rlspec.oracle.certificates.natural_gradient:kl_gaussian",
        references=(KULLBACK,),
    ),
    _gauss(
        id="dist.natural_direction_gaussian",
        title="natural direction F^{-1} grad J, diagonal Gaussian",
        latex=r"F(\theta)^{-1} \nabla J(\theta) = \left(\sigma^2 (b + (H + H^\top) m),\ H_{ii} \sigma_i^2\right)",  # noqa: E501
        equation="F^{-1} grad J (F is invertible here)",
        args=GAUSS_F,
        output_shape=("2*n",),
        tolerance=G_DIRECTION,
        reference="rlspec.reference.natural_gradient:natural_direction_gaussian",
        certificate="rlspec.oracle.certificates.natural_gradient:natural_direction_gaussian",
        references=(AMARI, KAKADE),
    ),
    _gauss(
        id="dist.natural_step_gaussian",
        title="natural step solving max <g, d> s.t. d^T F d <= 2 alpha, diagonal Gaussian",
        latex=r"d^\star = \sqrt{\frac{2\alpha}{g^\top F^{-1} g}}\, F^{-1} g",
        equation="d* = sqrt(2 alpha / (g^T F^{-1} g)) F^{-1} g",
        args=(*GAUSS_F, ALPHA),
        output_shape=("2*n",),
        tolerance=G_STEP,
        reference="rlspec.reference.natural_gradient:natural_step_gaussian",
        certificate="rlspec.oracle.certificates.natural_gradient:natural_step_gaussian",
        references=(AMARI, KAKADE),
        notes=STEP_NOTE,
    ),
)

# The lecture section each formula first appears in (the rest: "Natural Gradient over Distributions").
_SECTION_OF = {
    "dist.objective_categorical": GRADIENT_TITLE,
    "dist.objective_gaussian": GRADIENT_TITLE,
    "dist.gradient_categorical": GRADIENT_TITLE,
    "dist.gradient_gaussian": GRADIENT_TITLE,
    "dist.kl_categorical": DERIVATION_TITLE,
    "dist.kl_gaussian": DERIVATION_TITLE,
    "dist.natural_step_categorical": DERIVATION_TITLE,
    "dist.natural_step_gaussian": DERIVATION_TITLE,
}
SECTIONED: tuple[Formula, ...] = tuple(replace(f, section=_SECTION_OF.get(f.id, TITLE)) for f in FORMULAS)

OBJECTIVES = ("dist.objective_categorical", "dist.objective_gaussian")
GRADIENTS = ("dist.gradient_categorical", "dist.gradient_gaussian")
FISHERS = ("dist.fisher_categorical", "dist.fisher_gaussian")
DIRECTIONS = ("dist.natural_direction_categorical", "dist.natural_direction_gaussian")
STEPS = ("dist.natural_step_categorical", "dist.natural_step_gaussian")
KLS = ("dist.kl_categorical", "dist.kl_gaussian")

LECTURE_MAP = (
    EquationRow(1, "formula", OBJECTIVES, "max_theta J(theta) = E_{X ~ P_theta} f(X)"),
    EquationRow(
        2,
        "formula",
        (*GRADIENTS, TEST + "test_gradient_matches_finite_differences"),
        "theta+ = theta + eta grad J: the update adds eta times dist.gradient_*",
    ),
    EquationRow(
        3,
        "property",
        (TEST + "test_euclidean_ball_argmax",),
        "argmax over ||d||_2 <= alpha is alpha g / ||g||, proportional to grad J",
    ),
    EquationRow(
        4,
        "property",
        (TEST + "test_kl_ball_argmax_is_natural_step",),
        "the exact KL-ball maximizer (budget alpha) tends to d* of d^T F d <= 2 alpha",
    ),
    EquationRow(5, "formula", DIRECTIONS, "proportional to F^+ grad J"),
    EquationRow(
        6,
        "formula",
        (
            *FISHERS,
            "dist.score_categorical",
            "dist.score_gaussian",
            TEST + "test_fisher_is_expected_outer_score",
        ),
        "F = E[score score^T]",
    ),
    EquationRow(
        7, "formula", DIRECTIONS, "theta+ = theta + eta F^+ grad J: adds eta times dist.natural_direction_*"
    ),
    EquationRow(8, "formula", (*KLS, TEST + "test_kl_by_quadrature"), "KL(P || Q) = E_P log(p / q)"),
    EquationRow(
        9,
        "property",
        (TEST + "test_kl_second_order", TEST + "test_i1_zero", TEST + "test_i2_is_minus_fisher"),
        "KL(P_theta || P_theta+d) = -d^T I_1 - d^T I_2 d / 2 + O(|d|^3)",
    ),
    EquationRow(10, "property", (TEST + "test_i1_zero",), "I_1 = E[grad p / p] = 0"),
    EquationRow(11, "property", (TEST + "test_second_derivative_integral_zero",), "E[hess p / p] = 0"),
    EquationRow(
        12,
        "property",
        (TEST + "test_fisher_is_expected_outer_score", TEST + "test_i2_is_minus_fisher"),
        "E[grad p grad p^T / p^2] = F, so I_2 = -F",
    ),
    EquationRow(
        13,
        "erratum",
        (
            "dist.kl_budget",
            *STEPS,
            TEST + "test_natural_step_optimal",
            TEST + "test_kl_ball_argmax_budget",
            TEST + "test_null_direction_flat",
        ),
        "argmax_{d^T F d <= 2 alpha} <g, d> = d*; the KL budget is alpha, not 2 alpha",
    ),
)

ERRATA = (
    Erratum(
        "dist.kl_budget",
        13,
        "argmax over KL(P_theta || P_theta+d) <= 2 alpha  ~=  argmax over d^T F(theta) d <= 2 alpha",
        "argmax over KL(P_theta || P_theta+d) <= alpha  ~=  argmax over d^T F(theta) d <= 2 alpha "
        "(KL ~= d^T F d / 2, as in eq. 4 and the expansion of eq. 9)",
        (TEST + "test_kl_ball_argmax_budget", TEST + "test_kl_second_order"),
        TITLE,
    ),
    Erratum(
        "dist.null_direction_half",
        0,
        "(text after eq. 13) KL(P_theta || P_theta+d) ~= d^T F(theta) d = 0",
        "KL(P_theta || P_theta+d) ~= d^T F(theta) d / 2 = 0 (the factor 1/2 of eq. 9; the conclusion stands)",
        (TEST + "test_kl_second_order", TEST + "test_null_direction_flat"),
        TITLE,
    ),
)

SECTION = Section(
    key="natural_gradient",
    title="Natural gradient over distributions",
    equations=tuple(range(1, 14)),
    formulas=SECTIONED,
    lecture_map=LECTURE_MAP,
    errata=ERRATA,
    references=(AMARI, KAKADE, WILLIAMS, KULLBACK),
)
