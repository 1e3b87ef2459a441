"""Registry: building blocks RL libraries ship, beyond the lecture. The lecture's policy
optimization methods run on estimates that libraries compute with these formulas: advantages
and returns from time-major rollouts (GAE, TD(lambda), n-step), the twin-critic target and
loss of TD3 and SAC, PPO's clipped value loss and KL-penalty objective, the sample KL
estimators libraries log, and the squashed-Gaussian log-density at a given action.

The section owns no display equation of the lecture. Each formula cites its source, and
tests/reference/test_blocks.py ties it to the lecture's exact quantities on tabular MDPs
(GAE with exact values is unbiased for A^pi, the KL estimators' expectations are the exact
KL, the twin target with equal critics is ddpg.critic_target, ...).

Rollouts are laid out as torchrl (`generalized_advantage_estimate(gamma, lmbda, state_value,
next_state_value, reward, done, terminated)`), tianshou and CleanRL store them: [T][N], time
first, with the bootstrap value of every step (`next_values`) and the Gymnasium flags. SB3's
RolloutBuffer keeps [T][N] too, with `episode_starts` and one `last_values` row instead of
next_values, and folds a time-out's bootstrap value into its reward; rlax takes one
environment, values [T + 1] and a discount per step gamma (1 - terminated).
"""

from __future__ import annotations

from functools import partial

from rlspec.spec.formula import Arg, Convention, Formula, Section, Tolerance
from rlspec.spec.sections.common import measured
from rlspec.spec.sections.dpg import GAMMA_BATCH, REWARD, TERMINATED, TRUNCATED
from rlspec.spec.sections.sac import Q1_NEXT, Q2_NEXT

KEY = "blocks"
TITLE = "Building blocks libraries ship (beyond the lecture)"

GAE_PAPER = (
    "Schulman et al. 2016, High-dimensional continuous control using generalized advantage estimation "
    "(ICLR), eqs 11-16"
)
SUTTON_BARTO = "Sutton and Barto 2018, Reinforcement Learning: An Introduction (2nd ed.), eqs 7.1 and 12.3"
PARDO = "Pardo et al. 2018, Time limits in reinforcement learning (ICML)"
FUJIMOTO = (
    "Fujimoto et al. 2018, Addressing function approximation error in actor-critic methods (ICML), eq 10"
)
HAARNOJA_B = "Haarnoja et al. 2018, Soft Actor-Critic Algorithms and Applications (arXiv 1812.05905), eqs 5-6"
PPO_PAPER = "Schulman et al. 2017, Proximal policy optimization algorithms (arXiv 1707.06347), section 4"
ENGSTROM = "Engstrom et al. 2020, Implementation matters in deep policy gradients (ICLR), section 3"
ANDRYCHOWICZ = "Andrychowicz et al. 2021, What matters in on-policy reinforcement learning? (ICLR)"
SCHULMAN_KL = "Schulman 2020, Approximating KL divergence, http://joschu.net/blog/kl-approx.html"
HAARNOJA = "Haarnoja et al. 2018, Soft Actor-Critic (ICML), appendix C"
TORCHRL = "torchrl.objectives.value.functional: generalized_advantage_estimate, td_lambda_return_estimate"
RLAX = "rlax: truncated_generalized_advantage_estimation, lambda_returns, n_step_bootstrapped_returns"
SB3 = (
    "stable-baselines3: RolloutBuffer.compute_returns_and_advantage; PPO clip_range_vf; SAC/TD3 critic losses"
)
TIANSHOU = "tianshou: BasePolicy.compute_episodic_return, compute_nstep_return"
CLEANRL = "CleanRL: ppo.py (GAE, clipped value loss, approx_kl = k3), td3_continuous_action.py"


# ---- arguments: rollouts (rollout family) ----------------------------------------------------

REWARDS = Arg("rewards", ("T", "N"), "rewards", "reward of step t in environment i")
VALUES = Arg("values", ("T", "N"), "values", "V(s_t), the critic at the observation the step started from")
NEXT_VALUES = Arg(
    "next_values",
    ("T", "N"),
    "next_values",
    "V(s_{t+1}), the bootstrap value of the observation the step reached (at a time-out: the final one)",
)
TERMINATED_T = Arg(
    "terminated", ("T", "N"), "terminated", "1.0 where s_{t+1} is a terminal state (value 0), else 0.0"
)
TRUNCATED_T = Arg(
    "truncated", ("T", "N"), "truncated", "1.0 where a time limit cut the episode at s_{t+1}, else 0.0"
)
GAMMA = Arg("gamma", (), "gamma", "discount factor, 0 <= gamma < 1", domain="discount")
LMBDA = Arg("lmbda", (), "params.lmbda", "trace decay lambda, 0 <= lambda <= 1", domain="trace_decay")
N_STEPS = Arg("n", (), "params.n", "number of steps n >= 1", domain="int:1..16", dtype="int64")

# ---- arguments: sample batches (batch and policy_batch families) -----------------------------

Q1 = Arg("q1", ("N",), "params.q1", "first critic at the replayed pairs: Q1(s_i, a_i)")
Q2 = Arg("q2", ("N",), "params.q2", "second critic at the replayed pairs: Q2(s_i, a_i)")
Y = Arg("y", ("N",), "params.y", "shared critic targets y_i (twin.target)")
NEW_VALUES = Arg("values", ("N",), "params.values", "V(s_i) of the critic being trained")
OLD_VALUES = Arg(
    "old_values",
    ("N",),
    "params.old_values",
    "V_old(s_i), the critic's values when the rollout was collected",
    domain="logits_near:values",
)
RETURNS = Arg("returns", ("N",), "params.returns", "return targets R_i (e.g. GAE + values)")
CLIP = Arg("epsilon", (), "params.epsilon", "value clip range epsilon > 0", domain="clip_epsilon")
LOGP_NEW = Arg(
    "logp_new",
    ("N",),
    "params.logp_new",
    "log pi_new(a_i | s_i) at actions a_i ~ pi_old",
    domain="log_prob_near:logp_old",
)
LOGP_OLD = Arg("logp_old", ("N",), "params.logp_old", "log pi_old(a_i | s_i)", domain="log_prob")
LOGITS_OLD = Arg(
    "logits_old", ("N", "A"), "logits_old", "logits of pi_old(. | s_i), the data-collecting policy"
)
LOGITS_NEW = Arg("logits_new", ("N", "A"), "logits_new", "logits of pi_new(. | s_i)")
ACTIONS = Arg("actions", ("N",), "actions", "action a_i taken at s_i (0 <= a_i < A)", dtype="int64")
ADVANTAGES = Arg("advantages", ("N",), "advantages", "advantage estimates A_i")
BETA = Arg("beta", (), "params.beta", "KL penalty coefficient beta >= 0", domain="temperature")
ACTION = Arg(
    "action", ("N", "m"), "params.action", "squashed action a = tanh(u), |a| < 1", domain="squashed_action"
)
MEAN = Arg("mean", ("N", "m"), "params.mean", "mean of the pre-squash Gaussian u")
LOG_STD = Arg("log_std", ("N", "m"), "params.log_std", "log standard deviation of u")

# ---- tolerances -------------------------------------------------------------------------------

_STEPS = "rewards.shape[0]"
ROLLOUT_GAE = Tolerance(
    "rollout_gae",
    32.0,
    f"{_STEPS} * (amax(rewards) + amax(values) + amax(next_values))",
    "a backward recursion over at most T steps, each adding a few roundings of |r| + |V| + |V'|; "
    "a vectorized route (powers or cumulative products of gamma lambda) adds up to T roundings per term",
)
ROLLOUT_RETURN = Tolerance(
    "rollout_return",
    32.0,
    f"{_STEPS} * (amax(rewards) + amax(next_values))",
    "as rollout_gae, without the values subtracted",
)
TWIN_TARGET = Tolerance(
    "twin_target", 16.0, "amax(r) + amax(q1_next) + amax(q2_next)", "one multiply-add per entry"
)
TWIN_LOSS = Tolerance(
    "twin_loss",
    16.0,
    "np.size(q1) * ((amax(q1) + amax(y)) ** 2 + (amax(q2) + amax(y)) ** 2)",
    "two means (or sums) of squared differences: the sums' rounding bounds both reductions",
)
VALUE_LOSS = Tolerance(
    "clipped_value_loss",
    16.0,
    "np.size(values) * (amax(values) + amax(old_values) + amax(returns) + epsilon) ** 2",
    "a mean of squares of differences of sums of the inputs",
)
_LOGS = "(amax(logp_new) + amax(logp_old))"
KL_K1 = Tolerance("kl_k1", 32.0, _LOGS, "a mean of differences of the log-probabilities")
KL_K2 = Tolerance("kl_k2", 32.0, f"{_LOGS} ** 2", "a mean of squares of those differences")
KL_K3 = Tolerance(
    "kl_k3",
    32.0,
    f"(1 + np.max(np.exp(logp_new - logp_old))) * (1 + {_LOGS})",
    "exp of a rounded difference (relative error eps |log r| in r), then r - 1 - log r",
)
_LOGITS = "(1 + amax(logits_old) + amax(logits_new) + np.log(logits_old.shape[-1]))"
KL_PENALTY = Tolerance(
    "kl_penalty",
    32.0,
    f"np.size(advantages) * (np.exp(2 * np.max(np.abs(logits_new - logits_old))) * amax(advantages) + beta)"
    f" * {_LOGITS}",
    "log-softmax of each row (absolute error eps (|logits| + log A)): the ratio (<= exp(2 max |new - old|))"
    " times A_i and beta times the KL carry it",
)
_U = "np.arctanh(action)"
SQUASHED = Tolerance(
    "squashed_log_prob",
    32.0,
    f"np.max(np.sum(1 + np.abs(log_std) + 2 * np.abs({_U}) + (np.abs({_U}) + np.abs(mean)) * np.exp(-log_std)"
    f" * (1 + np.abs(({_U} - mean) * np.exp(-log_std))), axis=-1))",
    "atanh(a) = (log1p(a) - log1p(-a)) / 2 and log(1 - a^2) = log1p(a) + log1p(-a) to a few eps of"
    " |u| = |atanh(a)|, then z = (u - mean) / std and z^2 / 2; a naive log(1 - a*a) loses eps / (1 - a^2)",
)

# ---- conventions ------------------------------------------------------------------------------

HALF = Convention("half", "half", "1/2 of the loss (CleanRL's value loss, SB3's SAC critic loss)")
SUM = Convention("sum", "sum_reduction", "summed over the batch instead of averaged")
LOSS = (Convention("loss", "loss", "the negated objective, minimized (libraries' policy loss)"),)

# ---- formulas -----------------------------------------------------------------------------------

ROLLOUT = (REWARDS, VALUES, NEXT_VALUES, TERMINATED_T, TRUNCATED_T, GAMMA)
RETURN_ARGS = (REWARDS, NEXT_VALUES, TERMINATED_T, TRUNCATED_T, GAMMA)
KL_ARGS = (LOGP_NEW, LOGP_OLD)
KL_NOTE = (
    "log r_i = logp_new_i - logp_old_i, samples a_i ~ pi_old: k1 and k3 are unbiased for "
    "KL(pi_old || pi_new); output: the batch mean."
)
DONE_NOTE = (
    "done_t = terminated_t or truncated_t ends the episode: nothing after step t enters the estimate at t. "
    "terminated drops the bootstrap value V(s_{t+1}); truncated keeps it (Pardo et al. 2018). "
    "The rollout's last step (t = T - 1) is cut like a time-out. A single environment is N = 1."
)

_rollout = partial(Formula, section=TITLE, family="rollout", bound="certified")
_batch = partial(Formula, section=TITLE, family="batch")

FORMULAS = (
    _rollout(
        id="gae.advantage",
        title="generalized advantage estimation (GAE) on a time-major rollout",
        latex=r"\delta_t = r_t + \gamma (1 - \mathrm{term}_t) V(s_{t+1}) - V(s_t),\quad"
        r" \hat A_t = \delta_t + \gamma\lambda (1 - \mathrm{done}_t) \hat A_{t+1},\quad"
        r" \hat A_{T-1} = \delta_{T-1}",
        equation="delta_t = r_t + gamma (1 - terminated_t) next_values_t - values_t; "
        "A_t = delta_t + gamma lmbda (1 - done_t) A_{t+1}, done_t = terminated_t or truncated_t; "
        "A_{T-1} = delta_{T-1}",
        args=(*ROLLOUT, LMBDA),
        output_shape=("T", "N"),
        tolerance=measured(ROLLOUT_GAE, 16.0),
        reference="rlspec.reference.blocks:gae_advantage",
        certificate="rlspec.oracle.certificates.blocks:gae_advantage",
        references=(GAE_PAPER, PARDO, TORCHRL, RLAX, SB3, CLEANRL),
        notes=DONE_NOTE,
    ),
    _rollout(
        id="gae.lambda_return",
        title="TD(lambda) return on a time-major rollout",
        latex=r"G_t = r_t + \gamma (1 - \mathrm{term}_t)\big(V(s_{t+1}) + \lambda (1 - \mathrm{done}_t)"
        r" (G_{t+1} - V(s_{t+1}))\big),\quad G_{T-1} = r_{T-1} + \gamma (1 - \mathrm{term}_{T-1}) V(s_T)",
        equation="G_t = r_t + gamma (1 - terminated_t) ((1 - c_t lmbda) next_values_t + c_t lmbda G_{t+1}), "
        "c_t = 1 - done_t (0 at t = T - 1)",
        args=(*RETURN_ARGS, LMBDA),
        output_shape=("T", "N"),
        tolerance=measured(ROLLOUT_RETURN, 16.0),
        reference="rlspec.reference.blocks:lambda_return",
        certificate="rlspec.oracle.certificates.blocks:lambda_return",
        references=(SUTTON_BARTO, GAE_PAPER, TORCHRL, RLAX, TIANSHOU),
        notes=DONE_NOTE + " Uses the bootstrap values only; on a consistent rollout (values[t + 1] = "
        "next_values[t] inside episodes) it equals gae.advantage + values, the way SB3 and CleanRL form "
        "returns.",
    ),
    _rollout(
        id="nstep.return",
        title="n-step bootstrapped return on a time-major rollout",
        latex=r"G^{(n)}_t = \sum_{k=0}^{m-1}\gamma^k r_{t+k}"
        r" + \gamma^m (1 - \mathrm{term}_{t+m-1}) V(s_{t+m}),"
        r"\quad m = \min(n,\ \text{steps to the first done at or after } t \text{ (inclusive)},\ T - t)",
        equation="G_t = sum_{k<m} gamma^k rewards_{t+k} + gamma^m (1 - terminated_j) next_values_j, "
        "j = t + m - 1, "
        "m = min(n, first j >= t with done_j (inclusive) - t + 1, T - t)",
        args=(*RETURN_ARGS, N_STEPS),
        output_shape=("T", "N"),
        tolerance=measured(ROLLOUT_RETURN, 16.0),
        reference="rlspec.reference.blocks:nstep_return",
        certificate="rlspec.oracle.certificates.blocks:nstep_return",
        references=(SUTTON_BARTO, PARDO, RLAX, TIANSHOU),
        notes=DONE_NOTE
        + " n = 1 is the one-step TD target; n >= T the Monte Carlo return bootstrapped at the "
        "rollout's end (gae.lambda_return with lmbda = 1).",
    ),
    _batch(
        id="twin.target",
        title="twin-critic (clipped double-Q) TD target",
        latex=r"y_i = r_i + \gamma (1 - \mathrm{term}_i) \min\big(Q'_1(s'_i, a'_i), Q'_2(s'_i, a'_i)\big)",
        equation="y_i = r_i + gamma (1 - terminated_i) min(q1_next_i, q2_next_i); "
        "a time-out still bootstraps",
        args=(REWARD, TERMINATED, TRUNCATED, GAMMA_BATCH, Q1_NEXT, Q2_NEXT),
        output_shape=("N",),
        tolerance=TWIN_TARGET,
        reference="rlspec.reference.blocks:twin_target",
        bound="certified",
        certificate="rlspec.oracle.certificates.blocks:twin_target",
        references=(FUJIMOTO, PARDO, SB3, CLEANRL),
        notes="TD3's target; SAC's (sac.q_target) subtracts alpha log pi(a'|s') inside the min's bracket. "
        "`truncated` is an input that must not change the value.",
    ),
    _batch(
        id="twin.loss",
        title="twin-critic TD loss",
        latex=r"L = \frac{1}{N}\sum_i (Q_1(s_i,a_i) - y_i)^2 + \frac{1}{N}\sum_i (Q_2(s_i,a_i) - y_i)^2",
        equation="loss = mean_i (q1_i - y_i)^2 + mean_i (q2_i - y_i)^2",
        args=(Q1, Q2, Y),
        output_shape=(),
        tolerance=measured(TWIN_LOSS, 16.0),
        reference="rlspec.reference.blocks:twin_loss",
        bound="certified",
        certificate="rlspec.oracle.certificates.blocks:twin_loss",
        references=(FUJIMOTO, HAARNOJA_B, SB3, CLEANRL),
        conventions=(HALF, SUM),
    ),
    _batch(
        id="value.clipped_loss",
        title="PPO clipped value loss",
        latex=r"L^V = \frac{1}{N}\sum_i \max\Big((V_i - R_i)^2,\ "
        r"\big(V^{old}_i + \mathrm{clip}(V_i - V^{old}_i,"
        r" -\epsilon, \epsilon) - R_i\big)^2\Big)",
        equation="loss = mean_i max((values_i - returns_i)^2, "
        "(old_values_i + clip(values_i - old_values_i, -eps, eps) - returns_i)^2)",
        args=(NEW_VALUES, OLD_VALUES, RETURNS, CLIP),
        output_shape=(),
        tolerance=measured(VALUE_LOSS, 8.0),
        reference="rlspec.reference.blocks:value_clipped_loss",
        bound="certified",
        certificate="rlspec.oracle.certificates.blocks:value_clipped_loss",
        references=(ENGSTROM, ANDRYCHOWICZ, CLEANRL, SB3),
        conventions=(HALF,),
        notes="The max (a pessimistic bound, as PPO's min for the policy). SB3's clip_range_vf is a "
        "different formula: the squared error of the clipped prediction alone, without the max.",
    ),
    _batch(
        id="kl.k1",
        title="KL estimator k1 = -log r",
        latex=r"\hat{k}_1 = \frac{1}{N}\sum_i -\log r_i,\quad"
        r" r_i = \frac{\pi_{new}(a_i|s_i)}{\pi_{old}(a_i|s_i)},"
        r"\ a_i \sim \pi_{old}",
        equation="k1 = mean_i (logp_old_i - logp_new_i)",
        args=KL_ARGS,
        output_shape=(),
        tolerance=measured(KL_K1, 2.0),
        reference="rlspec.reference.blocks:kl_k1",
        references=(SCHULMAN_KL,),
        notes=KL_NOTE,
    ),
    _batch(
        id="kl.k2",
        title="KL estimator k2 = (log r)^2 / 2",
        latex=r"\hat{k}_2 = \frac{1}{N}\sum_i \tfrac12 (\log r_i)^2",
        equation="k2 = mean_i (logp_new_i - logp_old_i)^2 / 2",
        args=KL_ARGS,
        output_shape=(),
        tolerance=measured(KL_K2, 0.25),
        reference="rlspec.reference.blocks:kl_k2",
        references=(SCHULMAN_KL,),
        notes="Biased: its expectation is (1/2) E_old[(log r)^2], the KL to second order in the policy "
        "change. " + KL_NOTE,
    ),
    _batch(
        id="kl.k3",
        title="KL estimator k3 = (r - 1) - log r",
        latex=r"\hat{k}_3 = \frac{1}{N}\sum_i (r_i - 1) - \log r_i",
        equation="k3 = mean_i (exp(logp_new_i - logp_old_i) - 1 - (logp_new_i - logp_old_i))",
        args=KL_ARGS,
        output_shape=(),
        tolerance=measured(KL_K3, 0.5),
        reference="rlspec.reference.blocks:kl_k3",
        references=(SCHULMAN_KL, CLEANRL, SB3),
        notes="Every term is >= 0. CleanRL's and SB3's approx_kl. " + KL_NOTE,
    ),
    Formula(
        id="kl.penalty_objective",
        section=TITLE,
        title="PPO KL-penalty objective (categorical policies)",
        latex=r"L^{KLPEN} = \frac{1}{N}\sum_i \Big[\frac{\pi_{new}(a_i|s_i)}{\pi_{old}(a_i|s_i)} A_i"
        r" - \beta\, \mathrm{KL}\big(\pi_{old}(\cdot|s_i)\,\|\,\pi_{new}(\cdot|s_i)\big)\Big]",
        equation="L = mean_i [softmax(logits_new_i)[a_i] / softmax(logits_old_i)[a_i] advantages_i "
        "- beta KL(softmax(logits_old_i) || softmax(logits_new_i))]",
        family="policy_batch",
        args=(LOGITS_OLD, LOGITS_NEW, ACTIONS, ADVANTAGES, BETA),
        output_shape=(),
        tolerance=measured(KL_PENALTY, 2.0),
        reference="rlspec.reference.blocks:kl_penalty_objective",
        references=(PPO_PAPER,),
        conventions=LOSS,
        notes="The objective for one value of beta (the adaptive variant changes beta between updates). "
        "The KL is exact per state, over all actions.",
    ),
    _batch(
        id="squashed.log_prob",
        title="squashed-Gaussian log-density at a given action",
        latex=r"\log\pi(a) = \sum_j \Big[\log\mathcal N(\operatorname{atanh} a_j;\ \mu_j, \sigma_j^2)"
        r" - \log(1 - a_j^2)\Big],\quad |a_j| < 1",
        equation="log pi(a) = sum_j [log N(atanh(a_j); mean_j, exp(log_std_j)^2) - log(1 - a_j^2)]",
        args=(ACTION, MEAN, LOG_STD),
        output_shape=("N",),
        tolerance=SQUASHED,
        reference="rlspec.reference.blocks:squashed_log_prob",
        references=(HAARNOJA, SB3),
        notes="The route from a replayed action (the inverse of sac.tanh_gaussian_log_prob, scale 1, "
        "bias 0). "
        "Near |a| = 1 the naive log(1 - a*a) loses eps / (1 - a^2) and SB3's log(1 - a^2 + 1e-6) is off by "
        "log(1 + 1e-6 / (1 - a^2)) nats (13.8 at 1 - a^2 = 1e-12); compute "
        "log1p(-a) + log1p(a) and atanh(a) = (log1p(a) - log1p(-a)) / 2.",
    ),
)

SECTION = Section(
    key=KEY,
    title=TITLE,
    equations=(),
    formulas=FORMULAS,
    references=(GAE_PAPER, SUTTON_BARTO, PARDO, FUJIMOTO, PPO_PAPER, ENGSTROM, SCHULMAN_KL, HAARNOJA),
)
