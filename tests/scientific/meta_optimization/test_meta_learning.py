"""MAML (second and first order) and Reptile learn an initialization that adapts faster than a random one."""

from __future__ import annotations

import jax
import jax.numpy as jnp  # noqa: E402
import numpy as np
import pytest

from parzen.scientific.meta_optimization import QuadraticTaskFamily, maml, reptile  # noqa: E402
from parzen.scientific.meta_optimization.meta_learning import adapt, maml_loss  # noqa: E402

FAMILY = QuadraticTaskFamily(3, min_scale=0.5, max_scale=2.0, max_condition=4.0, center_offset=3.0,
                             center_scale=0.3)
INNER = {"inner_learning_rate": 0.1, "inner_steps": 2}


@jax.jit
def _held_out(params: jax.Array) -> jax.Array:
    tasks = jax.vmap(FAMILY.sample_task)(jax.random.split(jax.random.key(99), 32))
    keys = jax.random.split(jax.random.key(98), 32)
    return maml_loss(FAMILY, params, tasks, keys, first_order=False, **INNER)


def held_out_after_adaptation(params: jax.Array) -> float:
    return float(_held_out(params))


def test_first_order_option_drops_the_second_order_term() -> None:
    theta = jnp.array([1.0, -1.0, 0.5])
    tasks = jax.vmap(FAMILY.sample_task)(jax.random.split(jax.random.key(0), 4))
    keys = jax.random.split(jax.random.key(1), 4)

    @jax.jit
    def gradients(theta: jax.Array) -> tuple[jax.Array, ...]:
        def query_grad_at_adapted(task: dict[str, jax.Array], key: jax.Array) -> jax.Array:
            k_support, k_query = jax.random.split(key)
            phi = adapt(FAMILY, theta, task, k_support, **INNER)
            return jax.grad(FAMILY.loss)(phi, task, k_query)

        second = jax.grad(maml_loss, argnums=1)(FAMILY, theta, tasks, keys, first_order=False, **INNER)
        first = jax.grad(maml_loss, argnums=1)(FAMILY, theta, tasks, keys, first_order=True, **INNER)
        return second, first, jnp.mean(jax.vmap(query_grad_at_adapted)(tasks, keys), axis=0)

    second, first, expected_first = gradients(theta)
    np.testing.assert_allclose(first, expected_first, rtol=1e-5)
    # for a quadratic the exact meta-gradient is prod(I - lr A) applied to the adapted gradient: it differs
    assert not np.allclose(first, second, rtol=1e-2)


@pytest.mark.parametrize("method", ["maml", "maml_first_order", "reptile"])
def test_meta_initialization_beats_a_random_start(method: str) -> None:
    common = dict(meta_learning_rate=0.3 if method == "reptile" else 0.1, num_iterations=80, tasks_per_batch=4)
    if method == "reptile":
        result = reptile(FAMILY, **INNER, **common)  # type: ignore[arg-type]
    else:
        result = maml(FAMILY, first_order=method == "maml_first_order", **INNER, **common)  # type: ignore[arg-type]
    random_start = FAMILY.init_params(jax.random.key(5))
    assert held_out_after_adaptation(result.params) < 0.1 * held_out_after_adaptation(random_start)
    assert np.all(np.abs(np.asarray(result.params) - 3.0) < 0.5)
    assert result.losses.shape == (80,) and result.losses[-10:].mean() < result.losses[:10].mean()


def test_bad_arguments_name_the_argument() -> None:
    with pytest.raises(ValueError, match="inner_steps"):
        reptile(FAMILY, inner_learning_rate=0.1, inner_steps=0, meta_learning_rate=0.1, num_iterations=1)
    with pytest.raises(TypeError, match="first_order"):
        maml(FAMILY, inner_learning_rate=0.1, inner_steps=1, meta_learning_rate=0.1, num_iterations=1,
             first_order="yes")  # type: ignore[arg-type]
