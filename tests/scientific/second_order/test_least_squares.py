"""Gauss-Newton and Levenberg-Marquardt: scipy's answer on a curve fit, and every field's effect.

All runs share one residual function and the shapes of its data, and the solvers trace the numbers
of their configuration, so the module compiles once per method.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize

from parzen.scientific.second_order import (
    GaussNewtonConfig,
    LeastSquaresResult,
    LevenbergMarquardtConfig,
    create_gauss_newton_solver,
    create_levenberg_marquardt_solver,
    least_squares,
)

T = jnp.linspace(0.0, 3.0, 40)
Y = 2.5 * jnp.exp(-1.3 * T) + 0.5 + 0.01 * jnp.sin(17.0 * T)
START = jnp.array([1.0, 1.0, 0.0])
OVERSHOOT = jnp.array([1.0, 5.0, 0.0])  # the undamped first step from here raises the cost
DIVERGENT = jnp.array([0.1, 8.0, 3.0])  # the Gauss-Newton step from here overflows


def decay(p: jax.Array, t: jax.Array, y: jax.Array) -> jax.Array:
    return p[0] * jnp.exp(-p[1] * t) + p[2] - y


def lm(x0: jax.Array = START, **fields: object) -> LeastSquaresResult:
    return least_squares(decay, x0, LevenbergMarquardtConfig(**fields), args=(T, Y))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def scipy_solution() -> np.ndarray:
    t, y = np.asarray(T, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    fit = scipy.optimize.least_squares(lambda p: p[0] * np.exp(-p[1] * t) + p[2] - y, np.asarray(START), method="lm")
    return fit.x


@pytest.fixture(scope="module")
def lm_default() -> LeastSquaresResult:
    return lm()


def test_levenberg_marquardt_matches_scipy(lm_default: LeastSquaresResult, scipy_solution: np.ndarray) -> None:
    assert bool(lm_default.converged)
    np.testing.assert_allclose(lm_default.solution, scipy_solution, atol=1e-4)
    assert float(lm_default.gradient_norm) < 1e-4
    expected_cost = 0.5 * float(jnp.sum(decay(jnp.asarray(scipy_solution, dtype=jnp.float32), T, Y) ** 2))
    assert float(lm_default.value) == pytest.approx(expected_cost, rel=1e-3)


def test_gauss_newton_matches_scipy(scipy_solution: np.ndarray) -> None:
    solver = create_gauss_newton_solver(GaussNewtonConfig())
    result = solver.solve(decay, START, args=(T, Y))
    assert bool(result.converged)
    np.testing.assert_allclose(result.solution, scipy_solution, atol=1e-4)
    assert float(result.damping) == 0.0
    limited = least_squares(decay, START, GaussNewtonConfig(max_iterations=2), args=(T, Y))
    assert int(limited.iterations) == 2 and not bool(limited.converged)


def test_gauss_newton_stops_on_a_non_finite_cost_and_levenberg_marquardt_recovers(
    scipy_solution: np.ndarray,
) -> None:
    result = least_squares(decay, DIVERGENT, GaussNewtonConfig(), args=(T, Y))
    assert int(result.iterations) == 1 and not bool(result.converged)
    np.testing.assert_array_equal(result.solution, DIVERGENT)
    damped = lm(DIVERGENT)
    assert bool(damped.converged)
    np.testing.assert_allclose(damped.solution, scipy_solution, atol=1e-4)


def test_a_taken_step_divides_the_damping_down_to_min_damping() -> None:
    assert float(lm(max_iterations=1, damping_factor=1e-2, damping_decrease_factor=0.5).damping) == pytest.approx(5e-3)
    floor = lm(max_iterations=1, damping_factor=1e-3, damping_decrease_factor=0.1, min_damping=5e-4)
    assert float(floor.damping) == pytest.approx(5e-4)


def test_a_refused_step_multiplies_the_damping_up_to_max_damping() -> None:
    refused = lm(OVERSHOOT, max_iterations=1, damping_factor=1e-6, damping_increase_factor=3.0)
    np.testing.assert_array_equal(refused.solution, OVERSHOOT)
    assert float(refused.damping) == pytest.approx(3e-6)
    ceiling = lm(OVERSHOOT, max_iterations=1, damping_factor=1e-6, max_damping=2e-6)
    assert float(ceiling.damping) == pytest.approx(2e-6)


def test_damping_factor_sets_the_first_step(lm_default: LeastSquaresResult) -> None:
    heavy = lm(max_iterations=1, damping_factor=1e4)
    light = lm(max_iterations=1, damping_factor=1e-6)
    heavy_move = float(jnp.max(jnp.abs(heavy.solution - START)))
    light_move = float(jnp.max(jnp.abs(light.solution - START)))
    assert heavy_move < 0.01 * light_move
    assert bool(lm(damping_factor=1e4).converged)
    assert int(lm(damping_factor=1e4).iterations) > int(lm_default.iterations)


def test_a_slower_damping_decrease_takes_more_steps() -> None:
    fast = lm(damping_factor=1e2, damping_decrease_factor=0.1)
    slow = lm(damping_factor=1e2, damping_decrease_factor=0.9)
    assert bool(fast.converged) and bool(slow.converged)
    assert int(slow.iterations) > 3 * int(fast.iterations)


def test_iteration_limit_and_tolerances_stop_the_run(lm_default: LeastSquaresResult) -> None:
    limited = lm(max_iterations=2)
    assert int(limited.iterations) == 2 and not bool(limited.converged)
    loose = lm(rtol=1e-1, atol=1e-1)
    assert bool(loose.converged)
    assert int(loose.iterations) < int(lm_default.iterations)
    assert float(loose.value) > float(lm_default.value)
    # a start at the minimum: the gradient is already below atol
    at_minimum = lm(lm_default.solution, atol=1e-3)
    assert int(at_minimum.iterations) == 0 and bool(at_minimum.converged)


def test_pytree_parameters_and_residuals() -> None:
    def residuals(p: dict) -> dict:
        return {"a": p["w"] ** 2 - jnp.array([4.0, 9.0]), "b": p["c"] - 1.0}

    solver = create_levenberg_marquardt_solver()
    result = solver.solve(residuals, {"w": jnp.array([1.0, 1.0]), "c": jnp.asarray(0.0)})
    assert bool(result.converged)
    np.testing.assert_allclose(result.solution["w"], [2.0, 3.0], atol=1e-4)
    np.testing.assert_allclose(result.solution["c"], 1.0, atol=1e-5)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="config"):
        least_squares(decay, START, object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config"):
        create_gauss_newton_solver(LevenbergMarquardtConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config"):
        create_levenberg_marquardt_solver(GaussNewtonConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="residual_fn"):
        least_squares(None, START)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="args"):
        least_squares(decay, START, args=[T, Y])  # type: ignore[arg-type]
