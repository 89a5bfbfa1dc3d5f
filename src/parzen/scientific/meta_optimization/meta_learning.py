"""MAML and Reptile: meta-learned initializations for a family of tasks, in one ``lax.scan`` under ``jit``.

Both adapt a shared initialization ``theta`` to each task of a batch with ``inner_steps`` steps of
gradient descent at ``inner_learning_rate`` on a support batch (data key ``k_support``).

- MAML (Finn et al. 2017, "Model-agnostic meta-learning"): minimizes the loss of the adapted
  parameters on a query batch (another data key) by Adam at ``meta_learning_rate``; the gradient goes
  through the inner loop (second order: Hessian-vector products), or, with ``first_order=True``, treats
  the inner gradients as constants (first-order MAML: the query gradient at the adapted point).
- Reptile (Nichol et al. 2018, "On first-order meta-learning algorithms"): moves ``theta`` towards the
  adapted parameters, ``theta += meta_learning_rate * mean_tasks(phi - theta)``.

The recorded loss of an iteration is the mean query loss after adaptation.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from parzen._checks import check_bool, check_int, check_real
from parzen.scientific.meta_optimization.tasks import TaskFamily


class MetaInitResult(NamedTuple):
    """A meta-learned initialization and the post-adaptation query loss per iteration."""

    params: Any
    losses: np.ndarray


def adapt(family: TaskFamily, params: Any, task: Any, key: jax.Array, inner_learning_rate: float,
          inner_steps: int, first_order: bool = False) -> Any:
    """``inner_steps`` gradient-descent steps on ``task`` from ``params`` (support data from ``key``)."""
    def step(p: Any, _: None) -> tuple[Any, None]:
        grads = jax.grad(family.loss)(p, task, key)
        if first_order:
            grads = jax.lax.stop_gradient(grads)
        return jax.tree.map(lambda x, g: x - inner_learning_rate * g, p, grads), None

    params, _ = jax.lax.scan(step, params, None, length=inner_steps)
    return params


def _check(inner_learning_rate: float, inner_steps: int, meta_learning_rate: float, num_iterations: int,
           tasks_per_batch: int) -> None:
    check_real("inner_learning_rate", inner_learning_rate, 0.0)
    check_int("inner_steps", inner_steps, 1)
    check_real("meta_learning_rate", meta_learning_rate, 0.0)
    check_int("num_iterations", num_iterations, 1)
    check_int("tasks_per_batch", tasks_per_batch, 1)


def maml_loss(family: TaskFamily, theta: Any, tasks: Any, keys: jax.Array, inner_learning_rate: float,
              inner_steps: int, first_order: bool) -> jax.Array:
    """Mean query loss after adaptation over a batch of tasks; its gradient is MAML's meta-gradient."""
    def one(task: Any, key: jax.Array) -> jax.Array:
        k_support, k_query = jax.random.split(key)
        phi = adapt(family, theta, task, k_support, inner_learning_rate, inner_steps, first_order)
        return family.loss(phi, task, k_query)

    return jnp.mean(jax.vmap(one)(tasks, keys))


def maml(family: TaskFamily, *, inner_learning_rate: float, inner_steps: int, meta_learning_rate: float,
         num_iterations: int, tasks_per_batch: int = 8, first_order: bool = False, seed: int = 0,
         init_params: Any = None) -> MetaInitResult:
    """MAML's initialization for ``family`` (second order unless ``first_order``)."""
    _check(inner_learning_rate, inner_steps, meta_learning_rate, num_iterations, tasks_per_batch)
    check_bool("first_order", first_order)
    opt = optax.adam(meta_learning_rate)
    key = jax.random.key(seed)
    k_init, k_loop = jax.random.split(key)
    theta0 = family.init_params(k_init) if init_params is None else init_params

    @jax.jit
    def run(theta: Any, key: jax.Array) -> tuple[Any, jax.Array]:
        def step(carry: tuple[Any, Any], k: jax.Array) -> tuple[tuple[Any, Any], jax.Array]:
            theta, opt_state = carry
            k_tasks, k_data = jax.random.split(k)
            tasks = jax.vmap(family.sample_task)(jax.random.split(k_tasks, tasks_per_batch))
            keys = jax.random.split(k_data, tasks_per_batch)
            loss, grads = jax.value_and_grad(maml_loss, argnums=1)(
                family, theta, tasks, keys, inner_learning_rate, inner_steps, first_order)
            updates, opt_state = opt.update(grads, opt_state, theta)
            return (optax.apply_updates(theta, updates), opt_state), loss

        (theta, _), losses = jax.lax.scan(step, (theta, opt.init(theta)), jax.random.split(key, num_iterations))
        return theta, losses

    theta, losses = run(theta0, k_loop)
    return MetaInitResult(theta, np.asarray(losses))


def reptile(family: TaskFamily, *, inner_learning_rate: float, inner_steps: int, meta_learning_rate: float,
            num_iterations: int, tasks_per_batch: int = 8, seed: int = 0, init_params: Any = None) -> MetaInitResult:
    """Reptile's initialization for ``family``."""
    _check(inner_learning_rate, inner_steps, meta_learning_rate, num_iterations, tasks_per_batch)
    key = jax.random.key(seed)
    k_init, k_loop = jax.random.split(key)
    theta0 = family.init_params(k_init) if init_params is None else init_params

    @jax.jit
    def run(theta: Any, key: jax.Array) -> tuple[Any, jax.Array]:
        def step(theta: Any, k: jax.Array) -> tuple[Any, jax.Array]:
            k_tasks, k_data = jax.random.split(k)
            tasks = jax.vmap(family.sample_task)(jax.random.split(k_tasks, tasks_per_batch))

            def one(task: Any, key: jax.Array) -> tuple[Any, jax.Array]:
                k_support, k_query = jax.random.split(key)
                phi = adapt(family, theta, task, k_support, inner_learning_rate, inner_steps)
                return phi, family.loss(phi, task, k_query)

            phis, losses = jax.vmap(one)(tasks, jax.random.split(k_data, tasks_per_batch))
            theta = jax.tree.map(lambda t, p: t + meta_learning_rate * jnp.mean(p - t, axis=0), theta, phis)
            return theta, jnp.mean(losses)

        return jax.lax.scan(step, theta, jax.random.split(key, num_iterations))

    theta, losses = run(theta0, k_loop)
    return MetaInitResult(theta, np.asarray(losses))
