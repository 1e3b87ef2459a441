"""rlax (with distrax and optax) under the registry's names, in float64 (jax_enable_x64).

Each formula is one rlax / distrax / optax call, jit-compiled as a library's training step
would be. jax compiles once per input shape: run it with `--stable-shapes` so that a run draws
its batch and table sizes from a small fixed set and compiles a handful of times, not once per
instance (CONFORMANCE.md, "Timeouts and jit-compiling libraries").
"""

from __future__ import annotations

from typing import Any

import jax

jax.config.update("jax_enable_x64", True)

import distrax  # noqa: E402  (after x64 is switched on)
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
import rlax  # noqa: E402

_GAUSSIAN = rlax.gaussian_diagonal()
_SOFTMAX = rlax.softmax()


def _f64(x: Any) -> Any:
    return jnp.asarray(x, dtype=jnp.float64)


@jax.jit  # type: ignore[untyped-decorator]
def _clip_loss(logp_new: Any, logp_old: Any, adv: Any, epsilon: Any) -> Any:
    return rlax.clipped_surrogate_pg_loss(jnp.exp(logp_new - logp_old), adv, epsilon)


def ppo_clip_objective_batch(logp_new: Any, logp_old: Any, adv: Any, epsilon: Any) -> Any:
    """rlax's clipped surrogate loss, -mean min(r A, clip(r) A) (the registry's `loss`)."""
    return _clip_loss(_f64(logp_new), _f64(logp_old), _f64(adv), _f64(epsilon))


_clip_loss_gradient = jax.jit(jax.grad(_clip_loss))


def ppo_clip_gradient_batch(logp_new: Any, logp_old: Any, adv: Any, epsilon: Any) -> Any:
    """The gradient of that loss in the new log-probabilities, by jax.grad."""
    return _clip_loss_gradient(_f64(logp_new), _f64(logp_old), _f64(adv), _f64(epsilon))


@jax.jit  # type: ignore[untyped-decorator]
def _kl_categorical(theta: Any, theta_new: Any) -> Any:
    return rlax.categorical_kl_divergence(theta, theta_new)


def dist_kl_categorical(theta: Any, theta_new: Any) -> Any:
    return _kl_categorical(_f64(theta), _f64(theta_new))


@jax.jit  # type: ignore[untyped-decorator]
def _kl_gaussian(mean: Any, log_std: Any, mean_new: Any, log_std_new: Any) -> Any:
    return _GAUSSIAN.kl(mean, jnp.exp(log_std), mean_new, jnp.exp(log_std_new))


def dist_kl_gaussian(mean: Any, log_std: Any, mean_new: Any, log_std_new: Any) -> Any:
    return _kl_gaussian(_f64(mean), _f64(log_std), _f64(mean_new), _f64(log_std_new))


_max_kl = jax.jit(lambda theta, theta_new: jnp.max(rlax.categorical_kl_divergence(theta, theta_new)))


def trpo_max_kl(theta: Any, theta_new: Any) -> Any:
    return _max_kl(_f64(theta), _f64(theta_new))


_entropy = jax.jit(_SOFTMAX.entropy)


def entropy_h(theta: Any) -> Any:
    return _entropy(_f64(theta))


@jax.jit  # type: ignore[untyped-decorator]
def _one_step_target(r: Any, done: Any, gamma: Any, q_next: Any) -> Any:
    """rlax's n-step bootstrapped return with n = 1; its discount_t carries (1 - done)."""
    return rlax.n_step_bootstrapped_returns(r, gamma * (1.0 - done), q_next, 1)


def ddpg_critic_target(r: Any, done: Any, gamma: Any, q_next: Any) -> Any:
    return _one_step_target(_f64(r), _f64(done), _f64(gamma), _f64(q_next))


def ddpg_critic_target_timeouts(r: Any, terminated: Any, truncated: Any, gamma: Any, q_next: Any) -> Any:
    """A truncation still bootstraps: only `terminated` cuts the discount."""
    return _one_step_target(_f64(r), _f64(terminated), _f64(gamma), _f64(q_next))


_critic_loss = jax.jit(lambda q, y: jnp.mean(rlax.l2_loss(q, y)))


def ddpg_critic_loss(q: Any, y: Any) -> Any:
    """mean of rlax.l2_loss = 1/2 (q - y)^2 (the registry's `half` convention)."""
    return _critic_loss(_f64(q), _f64(y))


_soft_update = jax.jit(optax.incremental_update)


def ddpg_soft_update(theta: Any, theta_target: Any, tau: Any) -> Any:
    return _soft_update(_f64(theta), _f64(theta_target), _f64(tau))


@jax.jit  # type: ignore[untyped-decorator]
def _squashed_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> Any:
    """distrax's Normal and its Tanh then ScalarAffine bijector, evaluated at the pre-squash u
    (Normal.log_prob(u) - the chain's forward log-det at u), as after sample_and_log_prob."""
    squash = distrax.Chain([distrax.ScalarAffine(shift=jnp.zeros_like(scale), scale=scale), distrax.Tanh()])
    normal = distrax.Normal(mean, jnp.exp(log_std))
    return jnp.sum(normal.log_prob(u) - squash.forward_log_det_jacobian(u), axis=-1)


def sac_tanh_gaussian_log_prob(u: Any, mean: Any, log_std: Any, scale: Any) -> Any:
    return _squashed_log_prob(_f64(u), _f64(mean), _f64(log_std), _f64(scale))
