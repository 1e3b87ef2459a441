"""Registry: Soft Actor Critic (SAC), the lecture's section "Soft Actor Critic (SAC)" (eq. 64):
the twin-critic soft Q target, the tanh-Gaussian log-probability, the reparameterized policy
objective and its gradient (Gaussian and tanh-squashed, quadratic critic), the temperature loss.

The lecture's temperature lambda is the argument `alpha` (as in Haarnoja et al. and libraries;
`lambda` is a Python keyword)."""

from __future__ import annotations

from functools import partial

from rlspec.spec.formula import Arg, Convention, EquationRow, Formula, Section, Tolerance
from rlspec.spec.sections.common import measured

TITLE = "Soft Actor Critic (SAC)"
SAC_PRACTICE = (
    "SAC as libraries implement it (Haarnoja et al. 2018), beyond the lecture's one SAC"
    " equation (eq 64)"
)
HAARNOJA = (
    "Haarnoja et al. 2018, Soft Actor-Critic: Off-Policy Maximum Entropy Deep RL with a Stochastic Actor"
)
HAARNOJA_B = "Haarnoja et al. 2018, Soft Actor-Critic Algorithms and Applications (arXiv 1812.05905)"
FUJIMOTO = "Fujimoto et al. 2018, Addressing Function Approximation Error in Actor-Critic Methods"

TESTS = "tests/reference/test_sac.py"

# ---- arguments --------------------------------------------------------------------------------

# batch family (q target, temperature loss)
R = Arg("r", ("N",), "params.r", "rewards r_i", domain="reward")
DONE = Arg("done", ("N",), "params.done", "terminal flags d_i in {0, 1} (1: s'_i is terminal)", domain="flag")
GAMMA = Arg("gamma", (), "params.gamma", "discount, 0 < gamma < 1", domain="unit_open")
Q1_NEXT = Arg("q1_next", ("N",), "params.q1_next", "first target critic Q1'(s'_i, a'_i)", domain="real")
Q2_NEXT = Arg("q2_next", ("N",), "params.q2_next", "second target critic Q2'(s'_i, a'_i)", domain="real")
LOGP_NEXT = Arg(
    "logp_next",
    ("N",),
    "params.logp_next",
    "log pi(a'_i | s'_i) of the next action a'_i ~ pi",
    domain="log_prob",
)
ALPHA_BATCH = Arg(
    "alpha", (), "params.alpha", "temperature (the lecture's lambda), > 0", domain="temperature"
)
LOG_ALPHA = Arg(
    "log_alpha", (), "params.log_alpha", "log of the temperature, alpha = exp(log_alpha)", domain="real"
)
LOGP = Arg("logp", ("N",), "params.logp", "log pi(a_i | s_i) of actions a_i ~ pi", domain="log_prob")
TARGET_ENTROPY = Arg(
    "target_entropy", (), "params.target_entropy", "target entropy (libraries use -dim(A))", domain="real"
)

# gaussian_policy family (distribution forms)
MEAN = Arg("mean", ("S", "m"), "mean", "per-state mean of the (pre-squash) diagonal Gaussian")
LOG_STD = Arg("log_std", ("S", "m"), "log_std", "per-state log standard deviations, std = exp(log_std)")
B = Arg("b", ("S",), "b", "critic offset: Q(s, a) = b[s] - (a - c[s])^T H[s] (a - c[s])")
C = Arg("c", ("S", "m"), "c", "the critic's maximizing action c[s]")
H = Arg("H", ("S", "m", "m"), "H", "critic curvature H[s], symmetric positive semidefinite")
SCALE = Arg(
    "scale", ("m",), "scale", "action scale: a = scale * tanh(u) + bias, scale > 0", domain="positive"
)
BIAS = Arg("bias", ("m",), "bias", "action bias: a = scale * tanh(u) + bias")
ALPHA = Arg("alpha", (), "params.alpha", "temperature (the lecture's lambda), > 0", domain="temperature")
EPS = Arg("eps", ("S", "m"), "params.eps", "one standard normal noise sample eps_s per state", domain="real")
U = Arg(
    "u",
    ("S", "m"),
    "params.u",
    "pre-squash sample u = atanh((a - bias) / scale) at each state (any real, |u| up to 20 is sampled)",
    domain="pre_squash",
)

# ---- tolerances -------------------------------------------------------------------------------

Q_TARGET = Tolerance(
    "sac_q_target",
    16.0,
    "amax(r) + amax(q1_next) + amax(q2_next) + alpha * amax(logp_next)",
    "a few roundings of the terms of r + gamma (1 - d) (min Q' - alpha log pi)",
)
LOG_PROB = Tolerance(
    "sac_log_prob",
    32.0,
    "np.max(np.sum(1 + ((u - mean) * np.exp(-log_std)) ** 2 + np.abs(log_std) + 2 * np.abs(u)"
    " + np.abs(np.log(scale)), axis=-1))",
    "a few roundings of each term of the sum over dimensions: z^2/2, log std, log scale and the"
    " stable log(1 - tanh^2 u) = 2 (log 2 - u - softplus(-2u)) of size 2|u|",
)
_GAUSS_TERMS = (
    "alpha * (np.max(np.sum(np.abs(log_std), axis=-1)) + 2 * mean.shape[-1]) + amax(b)"
    " + amax(H) * mean.shape[-1] ** 2 * ((amax(mean) + amax(c)) ** 2 + np.exp(2 * np.max(log_std)))"
)
_SQUASHED_TERMS = (
    "alpha * (np.max(np.sum(np.abs(log_std) + np.abs(np.log(scale)) + 2 * np.abs(mean) + 2 * np.exp(log_std),"
    " axis=-1)) + 2 * mean.shape[-1]) + amax(b) + amax(H) * mean.shape[-1] ** 2 * (amax(scale) + amax(bias)"
    " + amax(c)) ** 2"
)
_TEMPERATURE_TERMS = (
    "(np.exp(log_alpha) + abs(log_alpha) + 1) * (amax(logp) + abs(target_entropy)) * np.size(logp)"
)
GAUSS_OBJECTIVE = Tolerance(
    "sac_gaussian_objective",
    32.0,
    _GAUSS_TERMS,
    "closed form: roundings of alpha * entropy, b, (mean - c)^T H (mean - c) and sum H_jj std_j^2",
)
SQUASHED_OBJECTIVE = Tolerance(
    "sac_squashed_objective",
    64.0,
    _SQUASHED_TERMS,
    "quadrature of one-dimensional Gaussian expectations (E tanh, E tanh^2, E log(1 - tanh^2) of size"
    " 2(|mean| + std)), then the quadratic form in E[a - c]",
)

_BATCH_U = "(1 + amax(mean + np.exp(log_std) * eps))"
BATCH_LOSS = Tolerance(
    "sac_policy_loss_batch",
    32.0,
    "alpha * np.max(np.sum(eps**2 + np.abs(log_std) + np.abs(np.log(scale))"
    " + (2 + np.abs(eps) * np.exp(-log_std)) * np.abs(mean + np.exp(log_std) * eps) + 2, axis=-1)) + amax(b)"
    " + amax(H) * mean.shape[-1] ** 2 * (amax(scale) + amax(bias) + amax(c)) ** 2 * " + _BATCH_U,
    "roundings of each sample's terms; u = mean + std * eps is rounded (by eps64 |u|), which moves"
    " tanh(u) by up to eps64 |u| (the factor (1 + max |u|) on the critic's terms) and z = (u - mean) / std,"
    " as log N(u) is computed from u, by eps64 |u| / std (the term |eps| |u| / std)",
)
BATCH_GRADIENT = Tolerance(
    "sac_policy_loss_batch_gradient",
    32.0,
    "(alpha + mean.shape[-1] * amax(H) * (amax(scale) + amax(bias) + amax(c)) * amax(scale))"
    " * (1 + np.max(np.exp(log_std) * np.abs(eps))) * " + _BATCH_U,
    "roundings of 2 alpha tanh(u) + 2 g scale (1 - tanh(u)^2) and of its product with std * eps",
)

# ---- conventions ------------------------------------------------------------------------------

SCALE_JACOBIAN = (
    Convention(
        "no_scale_jacobian",
        "sac_without_scale_jacobian",
        "the correction log(1 - tanh(u)^2) without log(scale): the density of tanh(u), not of"
        " scale * tanh(u) + bias (OpenAI Spinning Up, libraries that rescale after log_prob)",
    ),
)
TEMPERATURE = (
    Convention("sum", "sum_reduction", "summed over the batch instead of the mean"),
    Convention(
        "log_alpha_loss",
        "sac_log_alpha_loss",
        "-log_alpha * mean(logp + target_entropy) (softlearning, rlkit, Stable-Baselines3): the same"
        " fixed point, the gradient in log_alpha of the lecture's loss divided by alpha",
    ),
    Convention("log_alpha_loss_sum", "sac_log_alpha_loss_sum", "the log-alpha loss summed over the batch"),
)
TEMPERATURE_GRADIENT = (
    Convention(
        "alpha_parameter",
        "sac_gradient_in_alpha",
        "dJ/d alpha = -mean(logp + target_entropy), equal to the gradient in log_alpha of the"
        " log-alpha loss -log_alpha * mean(logp + target_entropy) (softlearning, rlkit, SB3)",
    ),
    Convention("sum", "sum_reduction", "the gradient of the loss summed over the batch"),
    Convention("alpha_parameter_sum", "sac_gradient_in_alpha_sum", "dJ/d alpha of the summed loss"),
)
BATCH_REDUCTION = (Convention("sum", "sum_reduction", "summed over the batch instead of the mean"),)
POLICY_SIGN = (
    Convention("objective", "loss", "the negated loss: E[Q(s, a~) - alpha log pi(a~|s)], maximized"),
)

# ---- formulas -----------------------------------------------------------------------------------

GAUSS_ARGS = (MEAN, LOG_STD, B, C, H, ALPHA)
SQUASHED_ARGS = (MEAN, LOG_STD, B, C, H, SCALE, BIAS, ALPHA)
CRITIC_NOTE = (
    "Critic: Q(s, a) = b - (a - c)^T H (a - c), H symmetric positive semidefinite. Output per state."
)

# One builder per family with the section's defaults; an entry overrides what differs.
_policy = partial(Formula, section=TITLE, family="gaussian_policy", references=(HAARNOJA,))
_batch = partial(Formula, section=TITLE, family="batch", references=(HAARNOJA_B,))

FORMULAS = (
    _batch(
        id="sac.q_target",
        title="soft Q target with twin critics",
        latex=r"y_i = r_i + \gamma (1 - d_i) \left( \min_{k=1,2} Q'_k(s'_i, a'_i)"
        r" - \lambda \log \pi(a'_i \mid s'_i) \right)",
        equation="y = r + gamma (1 - done) (min(q1_next, q2_next) - alpha logp_next)",
        args=(R, DONE, GAMMA, Q1_NEXT, Q2_NEXT, LOGP_NEXT, ALPHA_BATCH),
        output_shape=("N",),
        tolerance=Q_TARGET,
        reference="rlspec.reference.sac:q_target",
        references=(HAARNOJA, HAARNOJA_B, FUJIMOTO),
        notes="The entropy term is inside the done mask: a terminal next state contributes nothing.",
    ),
    _policy(
        id="sac.tanh_gaussian_log_prob",
        beyond_lecture=SAC_PRACTICE,
        title="log-density of the tanh-squashed Gaussian",
        latex=r"\log \pi(a \mid s) = \sum_{j=1}^{m} \left[ \log \mathcal{N}(u_j; \mu_j, \sigma_j^2)"
        r" - \log\left(k_j (1 - \tanh^2 u_j)\right) \right], \quad a = k \odot \tanh(u) + \beta",
        equation="log pi(a|s) = sum_j [log N(u_j; mean_j, exp(log_std_j)^2)"
        " - log(scale_j (1 - tanh(u_j)^2))],"
        " a = scale * tanh(u) + bias; log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2 u))",
        args=(U, MEAN, LOG_STD, SCALE),
        output_shape=("S",),
        tolerance=LOG_PROB,
        reference="rlspec.reference.sac:tanh_gaussian_log_prob",
        conventions=SCALE_JACOBIAN,
        notes="Input is the pre-squash u (a = scale * tanh(u) + bias is recovered from it), so the value is"
        " defined and finite for every u, including saturated |u| = 20 where tanh(u) rounds to 1. The"
        " bias shifts a and has Jacobian 1, so it is not an argument.",
    ),
    _policy(
        id="sac.policy_objective",
        title="reparameterized policy loss, Gaussian policy",
        latex=r"J_\pi(s) = \mathbb{E}_{\epsilon \sim \mathcal{N}(0, I)}"
        r"\left[\lambda \log \pi(\tilde a \mid s) - Q(s, \tilde a)\right],"
        r" \quad \tilde a = \mu(s) + \sigma(s) \odot \epsilon",
        equation="J(s) = E_eps[alpha log pi(a~|s) - Q(s, a~)], a~ = mean + std * eps; closed form"
        " -alpha H(pi) - b + (mean - c)^T H (mean - c) + sum_j H_jj std_j^2",
        args=GAUSS_ARGS,
        output_shape=("S",),
        tolerance=GAUSS_OBJECTIVE,
        reference="rlspec.reference.sac:policy_objective",
        conventions=POLICY_SIGN,
        notes=CRITIC_NOTE,
    ),
    _policy(
        id="sac.policy_gradient",
        title="reparameterized policy gradient, Gaussian policy",
        latex=r"\nabla_{(\mu, \log\sigma)} J_\pi(s) = \mathbb{E}_{\epsilon}\left[\nabla_{(\mu, \log\sigma)}"
        r" \left(\lambda \log \pi(\tilde a \mid s) - Q(s, \tilde a)\right)\right]",
        equation="[d/dmean, d/dlog_std] of J(s): d/dmean = 2 H (mean - c),"
        " d/dlog_std_j = -alpha + 2 H_jj std_j^2",
        args=GAUSS_ARGS,
        output_shape=("S", "2", "m"),
        tolerance=measured(GAUSS_OBJECTIVE, 32.0),
        reference="rlspec.reference.sac:policy_gradient",
        conventions=POLICY_SIGN,
        notes=CRITIC_NOTE + " [s][0] is the gradient in mean, [s][1] in log_std.",
    ),
    _policy(
        id="sac.squashed_policy_objective",
        title="reparameterized policy loss, tanh-squashed Gaussian policy",
        latex=r"J_\pi(s) = \mathbb{E}_{\epsilon \sim \mathcal{N}(0, I)}"
        r"\left[\lambda \log \pi(\tilde a \mid s) - Q(s, \tilde a)\right],"
        r" \quad \tilde a = k \odot \tanh(\mu(s) + \sigma(s) \odot \epsilon) + \beta",
        equation="J(s) = E_eps[alpha log pi(a~|s) - Q(s, a~)], a~ = scale * tanh(mean + std * eps) + bias,"
        " log pi with the change-of-variables correction (sac.tanh_gaussian_log_prob)",
        args=SQUASHED_ARGS,
        output_shape=("S",),
        tolerance=SQUASHED_OBJECTIVE,
        reference="rlspec.reference.sac:squashed_policy_objective",
        conventions=POLICY_SIGN,
        notes=CRITIC_NOTE + " Dimensions of a~ are independent and the log-determinant is a sum, so the"
        " expectation is exact from one-dimensional Gaussian integrals (in the oracle: arb ball"
        " enclosures of python-flint's acb.integral, reference/quadrature.py).",
    ),
    _policy(
        id="sac.squashed_policy_gradient",
        title="reparameterized policy gradient, tanh-squashed Gaussian policy",
        latex=r"\nabla_{(\mu, \log\sigma)} \mathbb{E}_{\epsilon}\left[\lambda \log \pi(\tilde a \mid s)"
        r" - Q(s, \tilde a)\right], \quad \tilde a = k \odot \tanh(\mu + \sigma \odot \epsilon) + \beta",
        equation="[d/dmean, d/dlog_std] of the squashed J(s):"
        " d/dmean_j = E[2 alpha t_j + 2 g_j scale_j (1 - t_j^2)],"
        " d/dlog_std_j = -alpha + std_j E[eps_j (2 alpha t_j + 2 g_j scale_j (1 - t_j^2))],"
        " t = tanh(u), g = H (a~ - c)",
        args=SQUASHED_ARGS,
        output_shape=("S", "2", "m"),
        tolerance=SQUASHED_OBJECTIVE,
        reference="rlspec.reference.sac:squashed_policy_gradient",
        conventions=POLICY_SIGN,
        notes=CRITIC_NOTE + " [s][0] is the gradient in mean, [s][1] in log_std.",
    ),
    _policy(
        id="sac.policy_loss_batch",
        title="reparameterized policy loss on a sample batch, tanh-squashed Gaussian policy",
        latex=r"L = \frac{1}{N} \sum_{i} \left[\lambda \log \pi(\tilde a_i \mid s_i)"
        r" - Q(s_i, \tilde a_i)\right],"
        r" \quad \tilde a_i = k \odot \tanh(\mu(s_i) + \sigma(s_i) \odot \epsilon_i) + \beta",
        equation="L = mean_i [alpha log pi(a~_i|s_i) - Q(s_i, a~_i)],"
        " a~_i = scale * tanh(mean_i + std_i * eps_i) + bias,"
        " one noise sample eps_i per state (the states of the instance are the batch)",
        args=(EPS, *SQUASHED_ARGS),
        output_shape=(),
        tolerance=measured(BATCH_LOSS, 8.0),
        reference="rlspec.reference.sac:policy_loss_batch",
        conventions=BATCH_REDUCTION,
        notes=CRITIC_NOTE.replace(" Output per state.", "") + " The Monte Carlo loss libraries compute;"
        " its expectation over eps is sac.squashed_policy_objective averaged over the states.",
    ),
    _policy(
        id="sac.policy_loss_batch_gradient",
        beyond_lecture=SAC_PRACTICE,
        title="pathwise gradient of the batch policy loss",
        latex=r"\frac{\partial L}{\partial (\mu_i, \log\sigma_i)} \text{ with } \epsilon \text{ held fixed}",
        equation="dL/dmean_ij = (2 alpha t_ij + 2 g_ij scale_j (1 - t_ij^2)) / N, dL/dlog_std_ij = (-alpha"
        " + std_ij eps_ij (2 alpha t_ij + 2 g_ij scale_j (1 - t_ij^2))) / N,"
        " t = tanh(u), g_i = H_i (a~_i - c_i)",
        args=(EPS, *SQUASHED_ARGS),
        output_shape=("S", "2", "m"),
        tolerance=measured(BATCH_GRADIENT, 16.0),
        reference="rlspec.reference.sac:policy_loss_batch_gradient",
        conventions=BATCH_REDUCTION,
        notes="What autodiff returns for sac.policy_loss_batch with rsample (the reparameterization):"
        " [i][0] the gradient in mean_i, [i][1] in log_std_i.",
    ),
    _batch(
        id="sac.temperature_objective",
        beyond_lecture=SAC_PRACTICE,
        title="temperature loss",
        latex=r"J(\alpha) = \frac{1}{N} \sum_{i} -\alpha"
        r" \left( \log \pi(a_i \mid s_i) + \bar{\mathcal{H}} \right),"
        r" \quad \alpha = e^{\log\alpha}",
        equation="J(alpha) = mean_i [-alpha (logp_i + target_entropy)], alpha = exp(log_alpha)",
        args=(LOG_ALPHA, LOGP, TARGET_ENTROPY),
        output_shape=(),
        tolerance=Tolerance(
            "sac_temperature",
            8.0,
            _TEMPERATURE_TERMS,
            "alpha (or |log_alpha|, or 1 for the declared conventions) times a mean (or a sum: times N) of"
            " logp + target_entropy",
        ),
        reference="rlspec.reference.sac:temperature_objective",
        conventions=TEMPERATURE,
        notes="The parameterization is a declared convention: libraries write the loss in log_alpha"
        " (-log_alpha * mean(...)); its value differs, its fixed point does not.",
    ),
    _batch(
        id="sac.temperature_gradient",
        beyond_lecture=SAC_PRACTICE,
        title="temperature loss gradient in log alpha",
        latex=r"\frac{\partial J}{\partial \log\alpha} = -\frac{\alpha}{N}"
        r" \sum_i \left(\log \pi(a_i \mid s_i)"
        r" + \bar{\mathcal{H}}\right)",
        equation="dJ/dlog_alpha = -alpha mean_i (logp_i + target_entropy)",
        args=(LOG_ALPHA, LOGP, TARGET_ENTROPY),
        output_shape=(),
        tolerance=Tolerance(
            "sac_temperature_gradient",
            8.0,
            _TEMPERATURE_TERMS,
            "as the temperature loss",
        ),
        reference="rlspec.reference.sac:temperature_gradient",
        conventions=TEMPERATURE_GRADIENT,
        notes="In the alpha parameterization (or for the log-alpha loss) the gradient is -mean(logp +"
        " target_entropy): a declared convention.",
    ),
)

SECTION = Section(
    key="sac",
    title=TITLE,
    equations=(64,),
    formulas=FORMULAS,
    lecture_map=(
        EquationRow(
            64,
            "formula",
            (
                "sac.policy_objective",
                "sac.squashed_policy_objective",
                "sac.policy_gradient",
                "sac.squashed_policy_gradient",
                "sac.policy_loss_batch",
                "sac.q_target",
                f"{TESTS}::test_policy_objective_is_minus_one_step_soft_value",
            ),
            "SAC ascends V_lambda^{pi_theta}(mu) by minimizing, per state, E[lambda log pi(a~|s) - Q(s, a~)]"
            " over reparameterized actions (the Q target is the soft Bellman backup); with one step the"
            " loss is exactly -V_lambda^pi(s), checked over the action box",
        ),
    ),
    references=(HAARNOJA, HAARNOJA_B),
)
