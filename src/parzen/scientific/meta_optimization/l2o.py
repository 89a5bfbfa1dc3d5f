"""``LearnToOptimize``: run a (learned) update rule on any differentiable objective, and meta-train it.

``optimize(params, objective_fn, num_steps)`` runs the rule chosen by the config's ``meta_algorithm``
for ``num_steps`` steps inside one ``jax.jit``/``lax.scan``, starting where ``warm_start_strategy``
says, and returns parameters of the structure of ``params``.

``meta_train(task_family, ...)`` fits the rule's meta-parameters (the log step size, and the MLP in
``"l2o"`` mode) by truncated evolution strategies with antithetic perturbations: ``num_tasks`` problems
of the family run side by side, each for ``horizon`` inner steps before it is replaced by a fresh
one; every meta-iteration unrolls ``adaptation_steps`` inner steps from the current inner states for
each of the ``2 * population`` perturbed rules, scores each unroll by its mean log loss, estimates the
gradient ``mean_i (L(theta + e_i) - L(theta - e_i)) e_i / (2 sigma^2)`` and takes an Adam step of size
``meta_learning_rate``; the inner states then advance with the unperturbed rule. The whole loop is one
``lax.scan`` under ``jit``, tasks and perturbations under ``vmap``. (Evolution strategies need no
gradient through the unroll, so long unrolls do not explode; truncation makes the estimate favour
short-horizon progress, which ``horizon`` spreads over the whole run.)

``meta_initialize(task_family, method="maml" | "reptile")`` learns an initialization for
``warm_start_strategy="meta_init"``.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from parzen._checks import check_int, check_real
from parzen.scientific.meta_optimization import meta_learning, rule
from parzen.scientific.meta_optimization.config import MetaOptimizerConfig
from parzen.scientific.meta_optimization.tasks import TaskFamily

_LOSS_FLOOR = 1e-12


@dataclass(frozen=True)
class OptimizationHistory:
    """What ``optimize`` recorded when ``performance_tracking`` is on."""

    losses: np.ndarray  # the loss before each step, then the final loss (num_steps + 1 values)
    wall_time: float  # seconds, compilation included, measured after the result was ready
    warm_started: bool


def _same_structure(a: Any, b: Any) -> bool:
    if jax.tree.structure(a) != jax.tree.structure(b):  # type: ignore[operator]
        return False
    return all(jnp.shape(x) == jnp.shape(y) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))


def _unroll(config: MetaOptimizerConfig, theta: Any, params: Any, state: rule.RuleState,
            loss_fn: Callable[[Any], jax.Array], num_steps: int, track: bool) -> tuple[Any, rule.RuleState, Any]:
    def body(carry: tuple[Any, rule.RuleState], _: None) -> tuple[tuple[Any, rule.RuleState], Any]:
        p, s = carry
        loss, grads = jax.value_and_grad(loss_fn)(p)
        updates, s = rule.update(config, theta, grads, s, p)
        return (optax.apply_updates(p, updates), s), (loss if track else None)

    (params, state), losses = jax.lax.scan(body, (params, state), None, length=num_steps)
    return params, state, losses


@partial(jax.jit, static_argnums=(0, 1, 2, 3))
def _run(config: MetaOptimizerConfig, objective_fn: Callable[[Any], Any], num_steps: int, track: bool,
         theta: Any, params: Any) -> tuple[Any, Any]:
    """The rule on ``objective_fn`` from ``params``; compiled once per (config, objective, steps, shapes)."""
    state = rule.init_state(config, params)
    params, _, losses = _unroll(config, theta, params, state, objective_fn, num_steps, track)
    if track:
        losses = jnp.append(losses, objective_fn(params))
    return params, losses


@partial(jax.jit, static_argnums=(0, 1, 2, 3))
def _evaluate(config: MetaOptimizerConfig, family: TaskFamily, num_tasks: int, num_steps: int, theta: Any,
              key: jax.Array) -> jax.Array:
    def one(key: jax.Array) -> jax.Array:
        k_task, k_init, k_data = jax.random.split(key, 3)
        task = family.sample_task(k_task)
        params = family.init_params(k_init)

        def loss_fn(p: Any) -> jax.Array:
            return family.loss(p, task, k_data)

        params, _, losses = _unroll(config, theta, params, rule.init_state(config, params), loss_fn, num_steps, True)
        return jnp.append(losses, loss_fn(params))

    return jax.vmap(one)(jax.random.split(key, num_tasks))


class LearnToOptimize:
    """A learned optimizer after Opifex's ``LearnToOptimize(config=..., rngs=nnx.Rngs(42))``.

    ``rngs`` draws the MLP's initial weights. Learned state: ``theta_`` (meta-parameters),
    ``meta_losses_`` (per meta-iteration), ``history_`` (last ``optimize`` call), ``meta_init_`` and
    ``meta_init_losses_`` (from ``meta_initialize``).
    """

    def __init__(self, config: MetaOptimizerConfig | None = None, *, rngs: nnx.Rngs | None = None) -> None:
        if config is None:
            config = MetaOptimizerConfig()
        if not isinstance(config, MetaOptimizerConfig):
            raise TypeError(f"`config` must be a MetaOptimizerConfig, got {config!r}")
        if rngs is None:
            rngs = nnx.Rngs(0)
        if not isinstance(rngs, nnx.Rngs):
            raise TypeError(f"`rngs` must be a flax.nnx.Rngs, got {rngs!r}")
        self.config = config
        self.theta_: dict[str, Any] = rule.init_theta(config, rngs.params())
        self.meta_losses_: np.ndarray | None = None
        self.history_: OptimizationHistory | None = None
        self.meta_init_: Any = None
        self.meta_init_losses_: np.ndarray | None = None
        self._previous: Any = None

    def _graph_config(self) -> MetaOptimizerConfig:
        # the fields the compiled loop does not read (the step size lives in theta_), fixed, so that
        # configurations differing only in them share one compilation
        c = self.config
        hypergradient_step = c.meta_learning_rate if c.meta_algorithm == "adaptive_lr" else 1.0
        return dataclasses.replace(c, warm_start_strategy="none", performance_tracking=True, learning_rate=1.0,
                                   adaptation_steps=1, meta_learning_rate=hypergradient_step)

    # --- running the rule -----------------------------------------------------------------------
    def _start(self, params: Any) -> tuple[Any, bool]:
        strategy = self.config.warm_start_strategy
        if strategy == "previous_params" and self._previous is not None and _same_structure(self._previous, params):
            return self._previous, True
        if strategy == "meta_init":
            if self.meta_init_ is None:
                raise ValueError("warm_start_strategy='meta_init' needs meta_initialize(task_family) first")
            if not _same_structure(self.meta_init_, params):
                raise ValueError("`params` do not have the structure and shapes of the meta-learned initialization")
            return self.meta_init_, True
        return params, False

    def optimize(self, params: Any, objective_fn: Callable[[Any], Any], num_steps: int = 1000) -> Any:
        """Minimize ``objective_fn`` (a JAX-differentiable function of a pytree) for ``num_steps`` steps."""
        if not callable(objective_fn):
            raise TypeError(f"`objective_fn` must be callable, got {objective_fn!r}")
        num_steps = check_int("num_steps", num_steps, 1)
        leaves = jax.tree.leaves(params)
        if not leaves or not all(jnp.issubdtype(jnp.result_type(x), jnp.floating) for x in leaves):
            raise TypeError("`params` must be a non-empty pytree of floating-point arrays")
        start, warm = self._start(params)
        track = self.config.performance_tracking
        began = time.perf_counter()
        result, losses = jax.block_until_ready(
            _run(self._graph_config(), objective_fn, num_steps, track, self.theta_, jax.tree.map(jnp.asarray, start)))
        elapsed = time.perf_counter() - began
        self.history_ = OptimizationHistory(np.asarray(losses), elapsed, warm) if track else None
        self._previous = result
        return result

    def evaluate(self, task_family: TaskFamily, *, num_tasks: int = 16, num_steps: int = 100,
                 seed: int = 12345) -> np.ndarray:
        """The loss curves of the current rule on ``num_tasks`` tasks drawn from ``seed``: shape
        ``(num_tasks, num_steps + 1)`` (the loss before each step, then the final loss). Every task starts
        from the family's ``init_params`` and sees the data of one fixed key; warm starts do not apply."""
        num_tasks = check_int("num_tasks", num_tasks, 1)
        num_steps = check_int("num_steps", num_steps, 1)
        curves = _evaluate(self._graph_config(), task_family, num_tasks, num_steps, self.theta_, jax.random.key(seed))
        return np.asarray(curves)

    # --- meta-training --------------------------------------------------------------------------
    def meta_train(self, task_family: TaskFamily, *, num_iterations: int = 200, population: int = 8,
                   num_tasks: int = 8, sigma: float = 0.01, horizon: int = 100, seed: int = 0) -> np.ndarray:
        """Fit ``theta_`` on ``task_family`` by truncated antithetic ES; returns the loss per meta-iteration.

        The returned value of an iteration is the mean log loss of the unperturbed rule's unroll.
        """
        num_iterations = check_int("num_iterations", num_iterations, 1)
        population = check_int("population", population, 1)
        num_tasks = check_int("num_tasks", num_tasks, 1)
        sigma = check_real("sigma", sigma, 1e-12)
        horizon = check_int("horizon", horizon, 1)
        config = self.config
        steps = config.adaptation_steps
        meta_opt = optax.adam(config.meta_learning_rate)

        def fresh(key: jax.Array) -> tuple[Any, Any, rule.RuleState, jax.Array]:
            k_task, k_init = jax.random.split(key)
            task = task_family.sample_task(k_task)
            params = task_family.init_params(k_init)
            return task, params, rule.init_state(config, params), jnp.zeros((), jnp.int32)

        def truncation(theta: Any, task: Any, params: Any, state: rule.RuleState, key: jax.Array) -> tuple[Any, ...]:
            def loss_fn(p: Any) -> jax.Array:
                return task_family.loss(p, task, key)
            params, state, losses = _unroll(config, theta, params, state, loss_fn, steps, True)
            return params, state, jnp.mean(jnp.log(losses + _LOSS_FLOOR))

        def meta_step(carry: tuple[Any, ...], key: jax.Array) -> tuple[tuple[Any, ...], jax.Array]:
            theta, opt_state, inner = carry
            k_noise, k_data, k_reset = jax.random.split(key, 3)
            leaves, treedef = jax.tree.flatten(theta)
            noise_keys = jax.random.split(k_noise, len(leaves))
            eps = jax.tree.unflatten(treedef, [sigma * jax.random.normal(k, (population, *jnp.shape(x)))
                                               for k, x in zip(noise_keys, leaves)])
            # one batch of 2 * population + 1 rules: theta + e_i, theta - e_i, then theta itself
            thetas = jax.tree.map(lambda t, e: jnp.concatenate([t + e, t - e, t[None]]), theta, eps)
            data_keys = jax.random.split(k_data, num_tasks)  # common random numbers for every rule

            def run_rule(th: Any) -> tuple[Any, ...]:
                tasks, params, states, _ = inner
                return jax.vmap(lambda t, p, s, k: truncation(th, t, p, s, k))(tasks, params, states, data_keys)

            params, states, scores = jax.vmap(run_rule)(thetas)
            diffs = jnp.mean(scores[:population] - scores[population:-1], axis=1)
            grad = jax.tree.map(lambda e: jnp.tensordot(diffs, e, axes=1) / (2 * sigma**2 * population), eps)
            updates, opt_state = meta_opt.update(grad, opt_state, theta)
            new_theta = optax.apply_updates(theta, updates)
            tasks, _, _, ages = inner
            params, states = jax.tree.map(lambda x: x[-1], (params, states))
            ages = ages + steps
            reset = ages >= horizon
            replacement = jax.vmap(fresh)(jax.random.split(k_reset, num_tasks))

            def pick(new: jax.Array, old: jax.Array) -> jax.Array:
                return jnp.where(reset.reshape((-1,) + (1,) * (old.ndim - 1)), new, old)

            inner = jax.tree.map(pick, replacement, (tasks, params, states, ages))
            return (new_theta, opt_state, inner), jnp.mean(scores[-1])

        @jax.jit
        def train(theta: Any, key: jax.Array) -> tuple[Any, jax.Array]:
            k_init, k_loop = jax.random.split(key)
            inner = jax.vmap(fresh)(jax.random.split(k_init, num_tasks))
            (theta, _, _), losses = jax.lax.scan(meta_step, (theta, meta_opt.init(theta), inner),
                                                 jax.random.split(k_loop, num_iterations))
            return theta, losses

        theta, losses = jax.block_until_ready(train(self.theta_, jax.random.key(seed)))
        self.theta_ = theta
        self.meta_losses_ = np.asarray(losses)
        return self.meta_losses_

    def meta_initialize(self, task_family: TaskFamily, *, method: str = "reptile", num_iterations: int = 200,
                        tasks_per_batch: int = 8, first_order: bool = False, seed: int = 0) -> Any:
        """Learn an initialization with MAML or Reptile (inner loop: ``adaptation_steps`` SGD steps at
        ``learning_rate``; outer step ``meta_learning_rate``); stored in ``meta_init_`` and returned."""
        if method not in ("maml", "reptile"):
            raise ValueError(f"`method` must be 'maml' or 'reptile', got {method!r}")
        c = self.config
        if method == "maml":
            result = meta_learning.maml(task_family, inner_learning_rate=c.learning_rate,
                                        inner_steps=c.adaptation_steps, meta_learning_rate=c.meta_learning_rate,
                                        num_iterations=num_iterations, tasks_per_batch=tasks_per_batch,
                                        first_order=first_order, seed=seed)
        else:
            result = meta_learning.reptile(task_family, inner_learning_rate=c.learning_rate,
                                           inner_steps=c.adaptation_steps, meta_learning_rate=c.meta_learning_rate,
                                           num_iterations=num_iterations, tasks_per_batch=tasks_per_batch, seed=seed)
        self.meta_init_ = result.params
        self.meta_init_losses_ = result.losses
        return result.params
