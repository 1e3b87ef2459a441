"""Registry: Natural Policy Gradient (NPG) on the tabular softmax policy — the Fisher matrix
(trajectory, average and discounted forms), the natural gradient F^+ grad V, the compatible
regression omega* and the softmax NPG update (lecture eqs 16-22)."""

from __future__ import annotations

from functools import partial

from rlspec.spec.formula import Arg, EquationRow, Erratum, Formula, Section, Tolerance
from rlspec.spec.sections.common import (
    AGARWAL,
    DISTRIBUTION,
    MU,
    POLICY_ARGS,
    TABULAR_ARGS,
    THETA,
    VISITATION_ARGS,
    P,
    measured,
)

TITLE = "Natural Policy Gradient (NPG)"
AMARI = "Amari 1998, Natural gradient works efficiently in learning"
KAKADE = "Kakade 2001, A natural policy gradient (NeurIPS)"
TEST = "tests/reference/test_npg.py"

ETA = Arg("eta", (), "params.eta", "NPG step size eta > 0", domain="step_size")
OMEGA = Arg(
    "omega",
    ("S", "A"),
    "params.omega",
    "a candidate omega of the compatible regression, [S][A]",
    domain="real",
)

FISHER_AVERAGE = Tolerance(
    "fisher_average",
    64.0,
    "stationary_kappa(P, theta)",
    "blocks d(s) C_s with |C_s| <= 1/4: the stationary law's error, whose conditioning is the "
    "fundamental matrices' (stationary_kappa, as for mdp.stationary)",
)
NATURAL_DIRECTION = Tolerance(
    "natural_direction",
    64.0,
    "amax(R) * kappa(gamma)**3",
    "F^+ grad V = (A - mean_a A) / (1 - gamma) on the states with d(s) > 0 (0 elsewhere): the "
    "advantage's error (|R| kappa^2) over (1 - gamma). This is the conditioning of the exact quantity, "
    "whatever pi is; a pseudo-inverse or least-squares solve of the Fisher inherits 1 / min d(s) pi(a|s) "
    "from the algorithm and is not accurate enough on near-deterministic policies",
)
COMPATIBLE = Tolerance(
    "compatible_regression",
    64.0,
    "amax(R) * kappa(gamma)**2",
    "omega* = A - mean_a A on the states with d(s) > 0: the advantage's error (|R| kappa^2), whatever pi "
    "is (a weighted least-squares fit inherits 1 / min d(s) pi(a|s) from the algorithm, not the formula)",
)
COMPATIBLE_LOSS = Tolerance(
    "compatible_loss",
    64.0,
    "(amax(R) * kappa(gamma) + amax(omega)) * amax(R) * kappa(gamma)**2",
    "E (omega-fit - A)^2 with |fit - A| <= 2 |omega| + 2 |R| kappa: A's error (|R| kappa^2) and d's "
    "(kappa) times the residual's size",
)
SOFTMAX_UPDATE = Tolerance(
    "softmax_update",
    64.0,
    "(1 + amax(theta) + eta * amax(R) * kappa(gamma)**3)",
    "probabilities softmax(theta + eta A / (1 - gamma)): the logits' rounding (|theta|) and the "
    "advantage's error (|R| kappa^2) amplified by eta / (1 - gamma)",
)

# The section's defaults; an entry overrides what differs.
_tabular = partial(Formula, section=TITLE, family="tabular", references=(KAKADE, AGARWAL))

FORMULAS = (
    _tabular(
        id="npg.fisher",
        title="Fisher matrix F(theta), discounted form",
        latex=(
            r"F(\theta) = \mathbb{E}_{s \sim d_{\mu}^{\pi_\theta}} \mathbb{E}_{a \sim \pi_\theta(\cdot|s)}"
            r"\left[\nabla_\theta \log \pi_\theta(a|s) (\nabla_\theta \log \pi_\theta(a|s))^{\mathsf "
            r"T}\right]"
        ),
        equation=(
            "F[s*A+a][s'*A+a'] = [s = s'] d_mu^pi(s) (pi(a|s) [a = a'] - pi(a|s) pi(a'|s)) "
            "(block-diagonal by state; theta flattened row-major)"
        ),
        args=VISITATION_ARGS,
        output_shape=("S*A", "S*A"),
        tolerance=measured(DISTRIBUTION, 8.0),
        reference="rlspec.reference.npg:fisher",
        references=(AMARI, KAKADE, AGARWAL),
        notes=(
            "Eq 18. Equals (1 - gamma) E_tau[sum_t gamma^t grad log pi grad log pi^T]; with the softmax "
            "score grad log pi(a|s) = e_s (x) (e_a - pi(.|s)) each block is d(s) (diag(pi_s) - pi_s pi_s^T). "
            "States with d(s) = 0 (never reached from mu) have a zero block."
        ),
    ),
    _tabular(
        id="npg.fisher_average",
        title="Fisher matrix F(theta), average form",
        latex=(
            r"F(\theta) = \lim_{T\to\infty} \frac{1}{T} \mathbb{E}_{\tau}\left[\sum_{t=0}^{T-1} "
            r"\nabla_\theta \log \pi_\theta(a_t|s_t) (\nabla_\theta \log \pi_\theta(a_t|s_t))^{\mathsf "
            r"T}\right]"
            r" = \mathbb{E}_{s \sim d^{\pi_\theta}} \mathbb{E}_{a \sim \pi_\theta(\cdot|s)}"
            r"\left[\nabla_\theta \log \pi_\theta(a|s) (\nabla_\theta \log \pi_\theta(a|s))^{\mathsf "
            r"T}\right]"
        ),
        equation=(
            "F[s*A+a][s'*A+a'] = [s = s'] d^pi(s) (pi(a|s) [a = a'] - pi(a|s) pi(a'|s)), d^pi = "
            "mdp.stationary "
            "(the Cesaro limit of P(s_t = s) from s_0 ~ mu)"
        ),
        args=(P, MU, THETA),
        output_shape=("S*A", "S*A"),
        tolerance=measured(FISHER_AVERAGE, 16.0),
        reference="rlspec.reference.npg:fisher_average",
        notes=(
            "Eq 17. d^pi depends on mu when P_pi has several recurrent classes (mdp.stationary computes "
            "the absorption-weighted mixture). Transient states get a zero block."
        ),
    ),
    _tabular(
        id="npg.direction",
        title="natural gradient direction F^+ grad V",
        latex=r"F(\theta)^{\dagger} \nabla_\theta V^{\pi_\theta}(\mu)",
        equation=(
            "x = F^+ g, the l2-minimal solution of F x = g = pg.gradient; for the softmax policy "
            "x[s][a] = (A(s,a) - mean_a' A(s,a')) / (1 - gamma) where d(s) > 0, and 0 where d(s) = 0"
        ),
        args=TABULAR_ARGS,
        output_shape=("S", "A"),
        tolerance=measured(NATURAL_DIRECTION, 32.0),
        reference="rlspec.reference.npg:direction",
        bound="certified",
        certificate="rlspec.oracle.certificates.npg:direction",
        references=(AMARI, KAKADE, AGARWAL),
        notes=(
            "Eq 19. The pseudo-inverse removes the constant vector of each state's block (a softmax "
            "shift) and the whole block of a state with d(s) = 0. Not A/(1 - gamma): that solves F x = g "
            "too but is not l2-minimal."
        ),
    ),
    _tabular(
        id="npg.compatible_loss",
        title="compatible function approximation loss L(omega)",
        latex=(
            r"L(\omega) = \mathbb{E}_{s \sim d_{\mu}^{\pi_\theta}, a \sim \pi_\theta(\cdot|s)}"
            r"\left[\left((\nabla_\theta \log \pi_\theta(a|s))^{\mathsf T} \omega - "
            r"A^{\pi_\theta}(s,a)\right)^2\right]"
        ),
        equation="L = sum_s d(s) sum_a pi(a|s) (omega[s][a] - sum_a' pi(a'|s) omega[s][a'] - A(s,a))^2",
        args=(*TABULAR_ARGS, OMEGA),
        output_shape=(),
        tolerance=measured(COMPATIBLE_LOSS, 16.0),
        reference="rlspec.reference.npg:compatible_loss",
        notes="Eq 20's objective.",
    ),
    _tabular(
        id="npg.compatible_regression",
        title="compatible regression omega*, the l2-minimal minimizer of L",
        latex=(
            r"\omega^* = \arg\min_{\omega} L(\omega) \ (\ell_2\text{-minimal}) = (1-\gamma) "
            r"F(\theta)^{\dagger}\nabla_\theta V^{\pi_\theta}(\mu)"
        ),
        equation=(
            "omega*[s][a] = A(s,a) - mean_a' A(s,a') where d(s) > 0, 0 where d(s) = 0 "
            "(every minimizer is A(s,a) + c_s on the states with d(s) > 0)"
        ),
        args=TABULAR_ARGS,
        output_shape=("S", "A"),
        tolerance=measured(COMPATIBLE, 32.0),
        reference="rlspec.reference.npg:compatible_regression",
        bound="certified",
        certificate="rlspec.oracle.certificates.npg:compatible_regression",
        notes="Eqs 20, 21 (and 19: F^+ grad V = omega* / (1 - gamma)).",
    ),
    _tabular(
        id="npg.softmax_update",
        title="softmax NPG update in policy space",
        latex=(
            r"\pi_{\theta^+}(a|s) = \frac{\pi_\theta(a|s) \exp\left(\frac{\eta}{1-\gamma} "
            r"A^{\pi_\theta}(s,a)\right)}"
            r"{\sum_{a'} \pi_\theta(a'|s) \exp\left(\frac{\eta}{1-\gamma} A^{\pi_\theta}(s,a')\right)}"
        ),
        equation="pi+[s][a] = softmax_a(theta[s][a] + eta A(s,a) / (1 - gamma))",
        args=(*POLICY_ARGS, ETA),
        output_shape=("S", "A"),
        tolerance=measured(SOFTMAX_UPDATE, 8.0),
        reference="rlspec.reference.npg:softmax_update",
        notes=(
            "Eq 22, at every state. It equals softmax(theta + eta F^+ grad V) on the states with "
            "d_mu(s) > 0; where d_mu(s) = 0 the NPG step leaves pi(.|s) unchanged (erratum "
            "npg.update_unvisited)."
        ),
    ),
)

ERRATA = (
    Erratum(
        "npg.sum_to_one",
        16,
        "(assuming pi_theta(a|s) = 1 for any theta)",
        "assuming sum_a pi_theta(a|s) = 1 for any theta (so E_a[grad log pi(a|s)] = 0, which makes the "
        "cross terms of eq 16 vanish); the TRPO section states it correctly",
        (f"{TEST}::test_score_has_mean_zero", f"{TEST}::test_trajectory_fisher_cross_terms_vanish"),
        TITLE,
    ),
    Erratum(
        "npg.stationary_limit",
        17,
        "d^pi(s) = E_{s0 ~ mu}[lim_{t -> inf} P(s_t = s | s_0, pi)]",
        "the Cesaro limit lim_T (1/T) sum_{t<T} P(s_t = s), which is what the 1/T average of eq 17 "
        "produces; the plain limit does not exist for a periodic chain",
        (f"{TEST}::test_average_fisher_is_cesaro_limit_on_periodic_chain",),
        TITLE,
    ),
    Erratum(
        "npg.update_unvisited",
        22,
        "NPG in policy space is pi_{theta+}(a|s) proportional to pi(a|s) exp(eta A(s,a)/(1 - gamma)) "
        "(every s)",
        "this is theta + eta F^+ grad V only on the states with d_mu^pi(s) > 0 (e.g. mu > 0 everywhere); "
        "at a state mu never reaches the Fisher block is 0, F^+ grad V is 0 there and NPG leaves "
        "pi(.|s) unchanged",
        (f"{TEST}::test_softmax_update_is_npg_step",),
        TITLE,
    ),
)

SECTION = Section(
    key="npg",
    title=TITLE,
    equations=(16, 17, 18, 19, 20, 21, 22),
    formulas=FORMULAS,
    lecture_map=(
        EquationRow(
            16,
            "property",
            (f"{TEST}::test_trajectory_fisher_cross_terms_vanish", "npg.sum_to_one"),
            "trajectory form: cross terms vanish, checked by enumerating every trajectory of tiny "
            "finite-horizon MDPs (the infinite sums of eq 16 diverge; eqs 17, 18 are the two fixes)",
        ),
        EquationRow(
            17,
            "formula",
            (
                "npg.fisher_average",
                f"{TEST}::test_average_fisher_is_cesaro_limit_on_periodic_chain",
                "npg.stationary_limit",
            ),
        ),
        EquationRow(18, "formula", ("npg.fisher", f"{TEST}::test_discounted_fisher_trajectory_form")),
        EquationRow(
            19,
            "formula",
            ("npg.direction", f"{TEST}::test_direction_is_pseudo_inverse_and_omega_over_1_minus_gamma"),
        ),
        EquationRow(
            20,
            "formula",
            ("npg.compatible_loss", "npg.compatible_regression", f"{TEST}::test_omega_star_minimizes_loss"),
        ),
        EquationRow(
            21,
            "property",
            (f"{TEST}::test_every_minimizer_is_advantage_plus_constant", "npg.compatible_regression"),
        ),
        EquationRow(
            22,
            "formula",
            ("npg.softmax_update", f"{TEST}::test_softmax_update_is_npg_step", "npg.update_unvisited"),
        ),
    ),
    errata=ERRATA,
    references=(AMARI, KAKADE, AGARWAL),
)
