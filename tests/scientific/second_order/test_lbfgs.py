"""L-BFGS: ``minimize`` converges on Rosenbrock under jit, and every LBFGSConfig field changes what it does."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from parzen.scientific.second_order import LBFGSConfig, MinimizeResult, create_lbfgs_optimizer, minimize

X0 = jnp.zeros(6)
TOL = 1e-4  # float32 Rosenbrock: gradient norms much below 1e-5 are rounding noise


def rosenbrock(x: jax.Array) -> jax.Array:
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def run(**fields: object) -> MinimizeResult:
    return minimize(rosenbrock, X0, LBFGSConfig(**{"tolerance": TOL, "max_iterations": 1000, **fields}))


@pytest.fixture(scope="module")
def default_run() -> MinimizeResult:
    return run()


def test_converges_to_the_minimum(default_run: MinimizeResult) -> None:
    assert bool(default_run.converged)
    np.testing.assert_allclose(default_run.solution, np.ones(6), atol=1e-3)
    assert float(default_run.gradient_norm) <= TOL
    assert float(default_run.value) < 1e-8
    assert 10 < int(default_run.iterations) < 1000


def test_max_iterations_stops_the_run(default_run: MinimizeResult) -> None:
    result = run(max_iterations=5)
    assert int(result.iterations) == 5
    assert not bool(result.converged)
    assert float(result.value) > float(default_run.value)


def test_tolerance_stops_the_run(default_run: MinimizeResult) -> None:
    loose = run(tolerance=1e-1)
    assert bool(loose.converged)
    assert float(loose.gradient_norm) <= 1e-1
    assert int(loose.iterations) < int(default_run.iterations)


def test_memory_size_sets_the_history_and_one_pair_is_slower(default_run: MinimizeResult) -> None:
    state = create_lbfgs_optimizer(LBFGSConfig(memory_size=3)).init(X0)
    assert state[0].diff_params_memory.shape == (3, 6)
    short = run(memory_size=1)
    assert bool(short.converged)
    assert int(short.iterations) > int(default_run.iterations)


def test_without_initial_scaling_convergence_is_slower(default_run: MinimizeResult) -> None:
    unscaled = run(scale_init_precond=False)
    assert bool(unscaled.converged)
    assert int(unscaled.iterations) > 1.2 * int(default_run.iterations)


def test_backtracking_line_search_is_used_and_converges() -> None:
    state = create_lbfgs_optimizer(LBFGSConfig(linesearch="backtracking")).init(X0)
    assert type(state[2]).__name__ == "ScaleByBacktrackingLinesearchState"
    assert type(create_lbfgs_optimizer(LBFGSConfig()).init(X0)[2]).__name__ == "ScaleByZoomLinesearchState"
    result = run(linesearch="backtracking")
    assert bool(result.converged)
    np.testing.assert_allclose(result.solution, np.ones(6), atol=1e-3)


def test_max_linesearch_steps_caps_the_line_search() -> None:
    # from x = 0 the zoom search needs 4 evaluations for its first step; a cap of 2 stops it there
    def first_step_evaluations(max_steps: int) -> int:
        optimizer = create_lbfgs_optimizer(LBFGSConfig(max_linesearch_steps=max_steps))

        @jax.jit
        def evaluations(x: jax.Array) -> jax.Array:
            value, grad = jax.value_and_grad(rosenbrock)(x)
            state = optimizer.update(grad, optimizer.init(x), x, value=value, grad=grad, value_fn=rosenbrock)[1]
            return optax.tree_utils.tree_get(state, "num_linesearch_steps")

        return int(evaluations(X0))

    assert first_step_evaluations(20) == 4
    assert first_step_evaluations(2) == 2


def test_pytree_parameters_extra_args_and_an_outer_jit() -> None:
    def loss(params: dict, target: jax.Array) -> jax.Array:
        return jnp.sum((params["w"] - target) ** 2) + (params["b"] - 3.0) ** 2

    @jax.jit
    def solve(target: jax.Array) -> MinimizeResult:
        return minimize(loss, {"w": jnp.zeros(3), "b": jnp.asarray(0.0)}, LBFGSConfig(tolerance=1e-5), args=(target,))

    for target in (jnp.arange(3.0), -jnp.ones(3)):
        result = solve(target)
        assert bool(result.converged)
        np.testing.assert_allclose(result.solution["w"], target, atol=1e-4)
        np.testing.assert_allclose(result.solution["b"], 3.0, atol=1e-4)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="config"):
        minimize(rosenbrock, X0, {"tolerance": 1e-3})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="fun"):
        minimize("rosenbrock", X0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="args"):
        minimize(rosenbrock, X0, args=[1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config"):
        create_lbfgs_optimizer(object())  # type: ignore[arg-type]
