"""The update rules of :class:`LearnToOptimize` as pure functions of meta-parameters ``theta``.

Every rule starts from the base optimizer's direction ``d`` (optax at unit step, so that the step is
``-lr * d``):

- ``"warm_start"``: ``-exp(theta.log_lr) * d``.
- ``"adaptive_lr"``: the same, with the log step size moved online by hypergradient descent (Baydin
  et al. 2018, "Online learning rate adaptation with hypergradient descent"): the derivative of the
  new loss with respect to the last step size is ``-g_t . d_{t-1}``; the log step size rises by
  ``meta_learning_rate * cos(g_t, d_{t-1})``, a scale-free form of that rule.
- ``"l2o"``: a per-coordinate MLP reads normalized features of each coordinate (the gradient and three
  momentum averages divided by the root of a second-moment average, the parameter, the base
  direction; each feature divided by its root mean square over its array) and a time embedding
  ``tanh(t / tau)``, and outputs a log-scale ``a`` and a correction ``b``; the step is
  ``-lr * (d * exp(3 tanh(a / 3)) + b * rms(d))`` (as in Metz et al. 2022, "Practical tradeoffs
  between memory, compute, and performance in learned optimizers", with the base direction kept).
  The MLP's last layer starts at zero, so an untrained rule is exactly the base optimizer.

The MLP runs on each array of the parameter pytree as a ``(n_coordinates, n_features)`` matrix, so
every coordinate of every array gets its own update whatever the size; with ``memory_efficient`` it
runs over chunks of ``chunk_size`` coordinates with ``lax.map``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from parzen.scientific.meta_optimization.config import MetaOptimizerConfig

MOMENTUM_DECAYS = (0.5, 0.9, 0.99)
SECOND_MOMENT_DECAY = 0.999
TIME_SCALES = (3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
N_FEATURES = len(MOMENTUM_DECAYS) + 3 + len(TIME_SCALES)
ADAMW_WEIGHT_DECAY = 1e-4
_EPS = 1e-8


class RuleState(NamedTuple):
    """The inner optimizer's state for one problem."""

    base: Any  # the base optimizer's optax state
    momenta: tuple[Any, ...]  # one pytree per decay in MOMENTUM_DECAYS
    second_moment: Any
    previous_direction: Any  # d_{t-1}, for the hypergradient
    log_lr_shift: jax.Array  # added to theta's log step size; moves only in "adaptive_lr" mode
    step: jax.Array


def base_direction(name: str) -> optax.GradientTransformation:
    """The base optimizer's direction at unit step size (the step is ``-lr`` times it)."""
    if name == "adam":
        return optax.scale_by_adam()
    if name == "rmsprop":
        return optax.scale_by_rms(decay=0.9)
    if name == "adamw":
        return optax.chain(optax.scale_by_adam(), optax.add_decayed_weights(ADAMW_WEIGHT_DECAY))
    return optax.identity()  # sgd


def init_theta(config: MetaOptimizerConfig, key: jax.Array) -> dict[str, Any]:
    """The rule's meta-parameters: the log step size, and for ``"l2o"`` the MLP's weights."""
    theta: dict[str, Any] = {"log_lr": jnp.log(jnp.asarray(config.learning_rate, jnp.float32))}
    if config.meta_algorithm == "l2o":
        h = config.hidden_size
        k1, k2 = jax.random.split(key)
        theta["mlp"] = {
            "w1": jax.random.normal(k1, (N_FEATURES, h)) * jnp.sqrt(2.0 / N_FEATURES), "b1": jnp.zeros(h),
            "w2": jax.random.normal(k2, (h, h)) * jnp.sqrt(2.0 / h), "b2": jnp.zeros(h),
            "w3": jnp.zeros((h, 2)), "b3": jnp.zeros(2),
        }
    return theta


def init_state(config: MetaOptimizerConfig, params: Any) -> RuleState:
    zeros = jax.tree.map(jnp.zeros_like, params)
    return RuleState(
        base=base_direction(config.base_optimizer).init(params),
        momenta=tuple(zeros for _ in MOMENTUM_DECAYS),
        second_moment=zeros,
        previous_direction=zeros,
        log_lr_shift=jnp.zeros((), jnp.float32),
        step=jnp.zeros((), jnp.int32),
    )


def _mlp(mlp: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    h = jax.nn.relu(x @ mlp["w1"] + mlp["b1"])
    h = jax.nn.relu(h @ mlp["w2"] + mlp["b2"])
    return h @ mlp["w3"] + mlp["b3"]


def _apply_mlp(config: MetaOptimizerConfig, mlp: dict[str, jax.Array], features: jax.Array) -> jax.Array:
    n = features.shape[0]
    chunk = config.chunk_size
    if not config.memory_efficient or n <= chunk:
        return _mlp(mlp, features)
    n_chunks = -(-n // chunk)
    padded = jnp.pad(features, ((0, n_chunks * chunk - n), (0, 0))).reshape(n_chunks, chunk, -1)
    return jax.lax.map(lambda block: _mlp(mlp, block), padded).reshape(n_chunks * chunk, 2)[:n]


def _rms(x: jax.Array) -> jax.Array:
    return jnp.sqrt(jnp.mean(jnp.square(x)) + _EPS)


def _learned_step(config: MetaOptimizerConfig, mlp: dict[str, jax.Array], time_features: jax.Array,
                  g: jax.Array, p: jax.Array, d: jax.Array, momenta: tuple[jax.Array, ...],
                  v_hat: jax.Array) -> jax.Array:
    """The learned step of one array (before the step size)."""
    inv_root = jax.lax.rsqrt(v_hat + _EPS)
    columns = [g * inv_root, *(m * inv_root for m in momenta), p, d]
    flat = jnp.stack([(c / _rms(c)).reshape(-1) for c in columns], axis=1)
    flat = jnp.concatenate([flat, jnp.broadcast_to(time_features, (flat.shape[0], len(TIME_SCALES)))], axis=1)
    out = _apply_mlp(config, mlp, flat)
    scale = jnp.exp(3.0 * jnp.tanh(out[:, 0] / 3.0)).reshape(d.shape)
    return d * scale + out[:, 1].reshape(d.shape) * _rms(d)


def _tree_cosine(a: Any, b: Any) -> jax.Array:
    dot = sum(jnp.vdot(x, y) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))
    norm_a = jnp.sqrt(sum(jnp.vdot(x, x) for x in jax.tree.leaves(a)))
    norm_b = jnp.sqrt(sum(jnp.vdot(x, x) for x in jax.tree.leaves(b)))
    return dot / (norm_a * norm_b + 1e-12)


def update(config: MetaOptimizerConfig, theta: dict[str, Any], grads: Any, state: RuleState,
           params: Any) -> tuple[Any, RuleState]:
    """One step: the additive update of ``params`` and the new state."""
    direction, base_state = base_direction(config.base_optimizer).update(grads, state.base, params)
    step = state.step + 1
    momenta = tuple(jax.tree.map(lambda m, g, b=b: b * m + (1 - b) * g, m_tree, grads)
                    for b, m_tree in zip(MOMENTUM_DECAYS, state.momenta))
    second = jax.tree.map(lambda v, g: SECOND_MOMENT_DECAY * v + (1 - SECOND_MOMENT_DECAY) * g * g,
                          state.second_moment, grads)
    shift = state.log_lr_shift
    if config.meta_algorithm == "adaptive_lr":
        shift = shift + config.meta_learning_rate * _tree_cosine(grads, state.previous_direction)
    lr = jnp.exp(theta["log_lr"] + shift)
    if config.meta_algorithm == "l2o":
        t = step.astype(jnp.float32)
        time_features = jnp.tanh(t / jnp.asarray(TIME_SCALES))
        correction = 1.0 - SECOND_MOMENT_DECAY ** t
        corrected = [tuple(m / (1 - b ** t) for b, m in zip(MOMENTUM_DECAYS, ms))
                     for ms in zip(*(jax.tree.leaves(m_tree) for m_tree in momenta))]
        leaves = [_learned_step(config, theta["mlp"], time_features, g, p, d, ms, v / correction)
                  for g, p, d, ms, v in zip(jax.tree.leaves(grads), jax.tree.leaves(params),
                                            jax.tree.leaves(direction), corrected, jax.tree.leaves(second))]
        raw_step = jax.tree.unflatten(jax.tree.structure(params), leaves)
    else:
        raw_step = direction
    updates = jax.tree.map(lambda s: -lr * s, raw_step)
    new_state = RuleState(base_state, momenta, second, direction, shift, step)
    return updates, new_state
