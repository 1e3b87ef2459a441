"""Registry: Proximal Policy Optimization (PPO) — the ratio, the importance-sampled surrogate,
the clipped objective (tabular and sample-batch forms) and their gradients (eqs 30-32)."""

from __future__ import annotations

from functools import partial

from rlspec.spec.formula import Arg, Convention, EquationRow, Erratum, Formula, Section, Tolerance
from rlspec.spec.sections.common import PAIR_ARGS, THETA, THETA_NEW, TRPO_PAPER, measured

TITLE = "Proximal Policy Optimization (PPO)"
PPO_PAPER = "Schulman et al. 2017, Proximal policy optimization algorithms (arXiv:1707.06347)"
TEST = "tests/reference/test_ppo.py"

EPSILON = Arg("epsilon", (), "params.epsilon", "PPO clip range epsilon (> 0)", domain="clip_epsilon")
LOGP_NEW = Arg(
    "logp_new",
    ("N",),
    "params.logp_new",
    "log pi_theta(a_i|s_i) under the policy being optimized",
    domain="log_prob_near:logp_old",
)
LOGP_OLD = Arg(
    "logp_old",
    ("N",),
    "params.logp_old",
    "log pi_{theta_t}(a_i|s_i) under the data-collecting policy",
    domain="log_prob",
)
ADV = Arg("adv", ("N",), "params.adv", "advantage estimates A_i", domain="real")

KINK_NOTE = (
    "At the kinks r = 1 +- epsilon the unclipped branch is used on the closed interval "
    "[1 - epsilon, 1 + epsilon] (the middle case of eq 32): the slope of min(r A, clip(r) A) in r is A "
    "there, and 0 only where the clipped branch is strictly selected (r > 1 + epsilon with A > 0, or "
    "r < 1 - epsilon with A < 0). PyTorch's autograd of torch.min(r A, torch.clamp(r, 1 - eps, 1 + eps) A) "
    "(and of the loss torch.max(-r A, -clamp(r) A)) returns exactly this (checked in the tests); an autodiff "
    "library that splits the gradient of a tie may return a fraction of A on a kink. Ties: where the exact "
    "ratio lies within float64 error of a kink (64 eps64 r (1 + |logp_new| + |logp_old|) for the batch "
    "form, 64 eps64 r (1 + |theta| + |theta_new|) for the tabular one), float64 may select either branch: "
    "the suite accepts both (oracle/margins.py)."
)

RATIO = Tolerance(
    "ppo_ratio",
    16.0,
    "amax(expected) * (1 + amax(theta) + amax(theta_new))",
    "exp of a difference of log-softmaxes: relative error ~ eps times the logits' magnitude "
    "(measured peak 1.31 units over 8000 instances and two float64 routes)",
)
PPO_VALUE = Tolerance(
    "ppo_value",
    16.0,
    "amax(R) * kappa(gamma) * ratio_bound(theta, theta_new) * (kappa(gamma) + amax(theta) + amax(theta_new))",
    "an expectation over d^{pi_t} pi_t of r A^{pi_t}, |A| <= 2 |R| kappa: A's error (|R| kappa^2, as for "
    "values) and r's relative error (~ eps times the logits), times the largest possible ratio "
    "(ratio_bound, from the inputs). Measured peak 0.29 units (surrogate, clip objective; 0.23 for the "
    "gradient) over 8000 instances, gamma up to 0.999, logits up to scale 20, three float64 routes "
    "(two separate solves for Q and V need the kappa^2: 181 units with kappa alone)",
)
PPO_BATCH = Tolerance(
    "ppo_batch",
    16.0,
    "np.sum(np.maximum(np.exp(logp_new - logp_old), 1.0) * np.abs(adv)"
    " * (1 + np.abs(logp_new) + np.abs(logp_old)))",
    "a mean (or, under the sum convention, a sum) of min(r_i A_i, clip(r_i) A_i) with r_i = "
    "exp(logp_new_i - logp_old_i): each term's rounding is ~ eps max(r_i, clip(r_i)) |A_i| (1 + |logp|) "
    "(clip(r_i) <= 1 + epsilon, so max(r_i, 1) up to a factor 2: where r_i is ~0, far below the clip "
    "range, the term is the clipped (1 - epsilon) A_i); the sum bounds both reductions "
    "(measured peak 0.86 units; N up to 3000)",
)
PPO_BATCH_GRADIENT = Tolerance(
    "ppo_batch_gradient",
    16.0,
    "np.max(np.exp(logp_new - logp_old) * np.abs(adv) * (1 + np.abs(logp_new) + np.abs(logp_old)))",
    "entrywise r_i A_i (divided by N under the mean convention): ~ eps r_i |A_i| (1 + |logp|) "
    "(measured peak 0.64 units)",
)

BATCH_CONVENTIONS = (
    Convention(
        "loss",
        "loss",
        "a loss to minimize: -mean min(r A, clip(r) A), i.e. mean max(-r A, -clip(r) A) (the same thing)",
    ),
    Convention("sum", "sum_reduction", "summed over the batch instead of averaged"),
    Convention("loss_sum", "loss_sum_reduction", "a loss, summed over the batch"),
)

BATCH_ARGS = (LOGP_NEW, LOGP_OLD, ADV, EPSILON)

# One builder per family with the section's defaults: every PPO formula is certified, and the two
# batch forms share the loss and sum conventions.
_tabular = partial(Formula, section=TITLE, family="tabular", bound="certified", references=(PPO_PAPER,))
_batch = partial(
    Formula,
    section=TITLE,
    family="batch",
    bound="certified",
    references=(PPO_PAPER,),
    conventions=BATCH_CONVENTIONS,
)

FORMULAS = (
    _tabular(
        id="ppo.ratio",
        title="probability ratio r(theta) = pi_theta / pi_{theta_t}",
        latex=r"r(\theta)(s,a) = \frac{\pi_{\theta}(a|s)}{\pi_{\theta_t}(a|s)}",
        equation="r[s][a] = pi_theta_new(a|s) / pi_theta(a|s), both softmax policies",
        args=(THETA, THETA_NEW),
        output_shape=("S", "A"),
        tolerance=RATIO,
        reference="rlspec.reference.ppo:ratio",
        certificate="rlspec.oracle.certificates.ppo:ratio",
        notes="The lecture prints r(theta) = pi_theta(a|s) / pi_theta(a|s) (identically 1): erratum "
        "ppo.ratio_printed.",
    ),
    _tabular(
        id="ppo.surrogate",
        title="importance-sampled surrogate E_{d^{pi_t}} E_{pi_t}[r A^{pi_t}]",
        latex=(
            r"L_t(\theta) = \mathbb{E}_{s \sim d_{\mu}^{\pi_{\theta_t}}} "
            r"\mathbb{E}_{a \sim \pi_{\theta_t}(\cdot|s)}"
            r"\left[\frac{\pi_{\theta}(a|s)}{\pi_{\theta_t}(a|s)} A^{\pi_{\theta_t}}(s,a)\right]"
        ),
        equation=(
            "L = sum_s d_t(s) sum_a pi_t(a|s) r[s][a] A_t(s,a) = sum_s d_t(s) sum_a pi_new(a|s) A_t(s,a)"
        ),
        args=PAIR_ARGS,
        output_shape=(),
        tolerance=measured(PPO_VALUE, 1.0),
        reference="rlspec.reference.ppo:surrogate",
        certificate="rlspec.oracle.certificates.ppo:surrogate",
        references=(PPO_PAPER, TRPO_PAPER),
        notes=(
            "Exactly the right-hand side of eq 30, without the constant V^{pi_t}(mu) and the factor "
            "1/(1 - gamma) of V_t (eq 24): L = (1 - gamma) (V_t(theta) - V^{pi_t}(mu)). Eq 30's "
            "'proportional to' means this increasing affine relation (erratum ppo.proportional)."
        ),
    ),
    _tabular(
        id="ppo.clip_objective",
        title="clipped objective V_t^clip (tabular)",
        latex=(
            r"V_t^{\text{clip}}(\theta) = \mathbb{E}_{s \sim d_{\mu}^{\pi_{\theta_t}}} \mathbb{E}_{a \sim "
            r"\pi_{\theta_t}(\cdot|s)}\left[\min\left(r(\theta) A^{\pi_{\theta_t}}(s,a), "
            r"\operatorname{clip}(r(\theta), 1-\epsilon, 1+\epsilon) A^{\pi_{\theta_t}}(s,a)\right)\right]"
        ),
        equation=(
            "V_clip = sum_s d_t(s) sum_a pi_t(a|s) "
            "min(r[s][a] A_t(s,a), clip(r[s][a], 1-eps, 1+eps) A_t(s,a))"
        ),
        args=(*PAIR_ARGS, EPSILON),
        output_shape=(),
        tolerance=measured(PPO_VALUE, 4.0),
        reference="rlspec.reference.ppo:clip_objective",
        certificate="rlspec.oracle.certificates.ppo:clip_objective",
        notes="Eq 31 with eq 32's clip, in the lecture's normalization (no 1/(1 - gamma), no V^{pi_t}(mu)).",
    ),
    _tabular(
        id="ppo.clip_gradient",
        title="gradient of V_t^clip in theta_new",
        latex=(
            r"\frac{\partial V_t^{\text{clip}}}{\partial \theta_{s,b}} = d_{\mu}^{\pi_{\theta_t}}(s)\, "
            r"\pi_{\theta}(b|s) \left(g(s,b) - \sum_a \pi_{\theta}(a|s) g(s,a)\right),\ "
            r"g(s,a) = A^{\pi_{\theta_t}}(s,a)\, \mathbb{1}[\text{unclipped branch selected}]"
        ),
        equation=(
            "grad[s][b] = d_t(s) pi_new(b|s) (g(s,b) - sum_a pi_new(a|s) g(s,a)), "
            "g = A_t where the unclipped branch is selected, else 0"
        ),
        args=(*PAIR_ARGS, EPSILON),
        output_shape=("S", "A"),
        tolerance=measured(PPO_VALUE, 0.5),
        reference="rlspec.reference.ppo:clip_gradient",
        certificate="rlspec.oracle.certificates.ppo:clip_gradient",
        notes="The gradient with respect to theta_new (theta_t fixed). " + KINK_NOTE,
    ),
    _batch(
        id="ppo.clip_objective_batch",
        title="clipped objective on a sample batch",
        latex=(
            r"\frac{1}{N}\sum_{i=1}^{N} "
            r"\min\left(r_i A_i, \operatorname{clip}(r_i, 1-\epsilon, 1+\epsilon) A_i\right),"
            r"\ r_i = e^{\log\pi_{\theta}(a_i|s_i) - \log\pi_{\theta_t}(a_i|s_i)}"
        ),
        equation="mean_i min(r_i A_i, clip(r_i, 1-eps, 1+eps) A_i), r_i = exp(logp_new_i - logp_old_i)",
        args=BATCH_ARGS,
        output_shape=(),
        tolerance=measured(PPO_BATCH, 16.0),
        reference="rlspec.reference.ppo:clip_objective_batch",
        certificate="rlspec.oracle.certificates.ppo:clip_objective_batch",
        notes="The sample form of eq 31 that libraries implement (PPO paper, eq 7).",
    ),
    _batch(
        id="ppo.clip_gradient_batch",
        title="gradient of the batch clipped objective in the new log-probabilities",
        latex=(
            r"\frac{\partial}{\partial \log\pi_{\theta}(a_i|s_i)} = \frac{1}{N} r_i A_i\, "
            r"\mathbb{1}[\text{unclipped branch selected}]"
        ),
        equation="grad_i = r_i A_i / N where the unclipped branch is selected, else 0",
        args=BATCH_ARGS,
        output_shape=("N",),
        tolerance=measured(PPO_BATCH_GRADIENT, 16.0),
        reference="rlspec.reference.ppo:clip_gradient_batch",
        certificate="rlspec.oracle.certificates.ppo:clip_gradient_batch",
        notes="Conventions as for ppo.clip_objective_batch (a loss's gradient is the negative). " + KINK_NOTE,
    ),
)

SECTION = Section(
    key="ppo",
    title=TITLE,
    equations=(30, 31, 32),
    formulas=FORMULAS,
    lecture_map=(
        EquationRow(
            30,
            "erratum",
            (
                "ppo.proportional",
                "ppo.surrogate",
                f"{TEST}::test_surrogate_is_affine_image_of_v_t",
                f"{TEST}::test_surrogate_two_lines_of_eq_30_agree",
            ),
            "both lines of eq 30; 'proportional to' means L = (1 - gamma)(V_t - V^{pi_t}(mu))",
        ),
        EquationRow(
            31,
            "erratum",
            (
                "ppo.ratio_printed",
                "ppo.ratio",
                "ppo.clip_objective",
                "ppo.clip_gradient",
                "ppo.clip_objective_batch",
                "ppo.clip_gradient_batch",
                f"{TEST}::test_clip_objective_is_a_lower_bound_of_the_surrogate",
                f"{TEST}::test_clip_objective_is_not_a_lower_bound_of_the_true_improvement",
                f"{TEST}::test_clip_objective_equals_surrogate_inside_the_interval",
                f"{TEST}::test_gradient_is_zero_in_the_flat_region",
                f"{TEST}::test_clip_gradient_matches_finite_differences",
                f"{TEST}::test_batch_form_equals_tabular_form",
            ),
            "the ratio's denominator is pi_{theta_t}; the tabular and batch forms and their gradients; "
            "the 'lower bound' the min provides is a bound on the surrogate L, not on the true improvement",
        ),
        EquationRow(
            32,
            "formula",
            ("ppo.clip_objective", "ppo.clip_objective_batch", f"{TEST}::test_clip_cases"),
            "clip(r, 1 - eps, 1 + eps), used inside eq 31",
        ),
    ),
    errata=(
        Erratum(
            "ppo.ratio_printed",
            31,
            r"r(\theta) = \frac{\pi_{\theta}(a|s)}{\pi_{\theta}(a|s)} (text before eq 31)",
            r"r(\theta) = \frac{\pi_{\theta}(a|s)}{\pi_{\theta_t}(a|s)}: the denominator is the "
            r"data-collecting policy (as in eq 30's second line); as printed r is identically 1 and "
            r"V_t^clip would be the constant 0",
            (f"{TEST}::test_ratio_erratum", f"{TEST}::test_surrogate_two_lines_of_eq_30_agree"),
            section=TITLE,
        ),
        Erratum(
            "ppo.proportional",
            30,
            r"V_t(\theta) \propto \mathbb{E}_{s \sim d_{\mu}^{\pi_{\theta_t}}} "
            r"\mathbb{E}_{a \sim \pi_{\theta}}[A^{\pi_{\theta_t}}(s,a)]",
            r"V_t(\theta) = V^{\pi_{\theta_t}}(\mu) + \frac{1}{1-\gamma} "
            r"\mathbb{E}_{s \sim d_{\mu}^{\pi_{\theta_t}}} \mathbb{E}_{a \sim \pi_{\theta}}"
            r"[A^{\pi_{\theta_t}}(s,a)] (eq 24): an increasing affine function of the expectation, "
            r"not proportional to it (same maximizer)",
            (f"{TEST}::test_surrogate_is_affine_image_of_v_t",),
            section=TITLE,
        ),
    ),
    references=(PPO_PAPER, TRPO_PAPER),
)
