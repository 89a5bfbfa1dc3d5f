"""DifferentiableMPC: the LQR optimum, exact control bounds, penalized state bounds, gradients, each field."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp  # noqa: E402
import numpy as np
import pytest
import scipy.optimize

from parzen.scientific.control import DifferentiableMPC, LinearDynamics, MPCConfig  # noqa: E402

N, M, H = 4, 2, 10
RNG = np.random.default_rng(0)
_A = RNG.normal(size=(N, N))
A = 1.05 * _A / np.max(np.abs(np.linalg.eigvals(_A)))  # slightly unstable: control is needed
B = RNG.normal(size=(N, M))
X0 = jnp.array([1.0, -1.0, 0.5, 0.2])
WEIGHTS = {"state": 1.0, "control": 0.1, "terminal": 10.0}
BASE = MPCConfig(horizon=H, control_dim=M, state_dim=N, objective_weights=WEIGHTS)


def dynamics(x: jax.Array, u: jax.Array) -> jax.Array:
    return jnp.asarray(A, jnp.float32) @ x + jnp.asarray(B, jnp.float32) @ u


def riccati() -> tuple[np.ndarray, np.ndarray]:
    """Finite-horizon LQR: the cost-to-go matrix at t = 0 (no cost on x_0) and the first gain K_0."""
    q, r, qf = WEIGHTS["state"] * np.eye(N), WEIGHTS["control"] * np.eye(M), WEIGHTS["terminal"] * np.eye(N)
    p = qf
    for t in range(H - 1, -1, -1):
        k = np.linalg.solve(r + B.T @ p @ B, B.T @ p @ A)
        p = (q if t > 0 else 0 * q) + A.T @ p @ (A - B @ k)
    return p, k


@pytest.fixture(scope="module")
def mpc() -> DifferentiableMPC:
    """The unconstrained controller: one instance, so its compilations are shared between tests."""
    return DifferentiableMPC(system_model=dynamics, config=BASE)


def test_matches_the_lqr_cost_and_gain(mpc: DifferentiableMPC) -> None:
    result = mpc.solve(X0, jnp.zeros(N))
    p0, k0 = riccati()
    lqr_cost = float(np.asarray(X0) @ p0 @ np.asarray(X0))
    assert abs(float(result.cost) - lqr_cost) <= 0.01 * lqr_cost
    assert bool(result.converged) and int(result.iterations) <= 3  # Gauss-Newton is exact here
    np.testing.assert_allclose(result.control, -k0 @ np.asarray(X0), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(result.states[0], X0)
    np.testing.assert_allclose(result.states[1], A @ np.asarray(X0) + B @ np.asarray(result.control), atol=1e-4)
    assert float(result.constraint_violation) == 0.0
    # differentiable: d u_0 / d x_0 is the LQR gain, and the cost's gradient matches central differences
    ref = jnp.zeros((H, N))

    def control_and_cost(x: jax.Array, r: jax.Array) -> tuple[jax.Array, jax.Array]:
        result = mpc.solve(x, r)
        return result.control, result.cost

    (jac, _), (g_x, g_r) = jax.jacrev(control_and_cost, argnums=(0, 1))(X0, ref)
    np.testing.assert_allclose(jac, -k0, rtol=1e-2, atol=1e-3)
    assert float(jnp.abs(g_r[4, 2])) > 1e-3  # the reference matters
    eps = 0.05
    for i in range(N):
        e = jnp.zeros(N).at[i].set(eps)
        fd = (mpc.solve(X0 + e, ref).cost - mpc.solve(X0 - e, ref).cost) / (2 * eps)
        assert float(g_x[i]) == pytest.approx(float(fd), rel=1e-2, abs=1e-2)
    e = jnp.zeros((H, N)).at[4, 2].set(eps)
    fd = (mpc.solve(X0, ref + e).cost - mpc.solve(X0, ref - e).cost) / (2 * eps)
    assert float(g_r[4, 2]) == pytest.approx(float(fd), rel=1e-2, abs=1e-2)


def test_control_bounds_hold_exactly_at_the_box_constrained_optimum() -> None:
    config = dataclasses.replace(BASE, control_bounds=(-0.1, 0.1))
    mpc = DifferentiableMPC(dynamics, config)
    result = mpc.solve(X0, jnp.zeros(N))
    u = np.asarray(result.controls)
    assert u.min() >= -0.1 and u.max() <= 0.1  # exactly: iterates are clipped
    assert np.isclose(np.abs(u), 0.1).sum() >= 2  # some bounds are active
    assert bool(result.converged)

    def objective(flat: np.ndarray) -> float:
        xs, x, cost = [], np.asarray(X0, np.float64), 0.0
        for t in range(H):
            x = A @ x + B @ flat[t * M:(t + 1) * M]
            xs.append(x)
        cost = sum(WEIGHTS["state"] * x @ x for x in xs[:-1]) + WEIGHTS["terminal"] * xs[-1] @ xs[-1]
        return float(cost + WEIGHTS["control"] * flat @ flat)

    best = scipy.optimize.minimize(objective, np.zeros(H * M), method="L-BFGS-B", bounds=[(-0.1, 0.1)] * (H * M),
                                   options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 10_000})
    assert float(result.cost) == pytest.approx(best.fun, rel=1e-3)
    assert objective(u.ravel()) == pytest.approx(best.fun, rel=1e-3)


def test_state_bounds_are_a_penalty_whose_violation_is_reported(mpc: DifferentiableMPC) -> None:
    free = mpc.solve(X0, jnp.full(N, 1.0))
    assert float(np.max(free.states[1:])) > 0.8  # the unconstrained plan crosses the bound below
    violations = []
    for weight in (10.0, 1e4):
        config = dataclasses.replace(BASE, state_bounds=(-2.0, 0.8), constraint_weight=weight)
        result = DifferentiableMPC(dynamics, config).solve(X0, jnp.full(N, 1.0))
        reported = float(result.constraint_violation)
        assert reported == pytest.approx(max(0.0, float(np.max(result.states[1:])) - 0.8), abs=1e-6)
        violations.append(reported)
    assert violations[0] > 0.05 and violations[1] < 0.01 and violations[1] < violations[0] / 10


def test_gradient_solver_learning_rate_budget_and_tolerance(mpc: DifferentiableMPC) -> None:
    exact = float(mpc.solve(X0, jnp.zeros(N)).cost)
    costs = {}
    for lr in (1e-4, 1e-3):
        config = dataclasses.replace(BASE, solver="gradient", learning_rate=lr, max_iterations=30)
        result = DifferentiableMPC(dynamics, config).solve(X0, jnp.zeros(N))
        assert int(result.iterations) == 30 and not bool(result.converged)
        costs[lr] = float(result.cost)
    assert exact < costs[1e-3] < costs[1e-4]
    loose = dataclasses.replace(BASE, solver="gradient", tolerance=1e6)
    assert int(DifferentiableMPC(dynamics, loose).solve(X0, jnp.zeros(N)).iterations) == 0


def test_time_limit_sets_an_iteration_budget_once() -> None:
    tight = DifferentiableMPC(dynamics, dataclasses.replace(BASE, solver="gradient", time_limit=1e-9))
    assert tight.iteration_budget_ is None
    result = tight.solve(X0, jnp.zeros(N))
    assert tight.iteration_budget_ == 1 and int(result.iterations) == 1
    roomy = DifferentiableMPC(dynamics, dataclasses.replace(BASE, solver="gradient", time_limit=1e6))
    roomy.solve(X0, jnp.zeros(N))
    assert roomy.iteration_budget_ == BASE.max_iterations


def test_objective_weights_and_an_nnx_model(mpc: DifferentiableMPC) -> None:
    model = LinearDynamics(N, M)
    model.A[...] = jnp.asarray(A, jnp.float32)
    model.B[...] = jnp.asarray(B, jnp.float32)
    by_module = DifferentiableMPC(model, BASE).solve(X0, jnp.zeros(N))
    by_function = mpc.solve(X0, jnp.zeros(N))
    np.testing.assert_allclose(by_module.controls, by_function.controls, rtol=1e-4, atol=1e-5)
    costly = dataclasses.replace(BASE, objective_weights={**WEIGHTS, "control": [10.0, 10.0]})
    damped = DifferentiableMPC(dynamics, costly).solve(X0, jnp.zeros(N))
    assert float(jnp.sum(damped.controls**2)) < 0.5 * float(jnp.sum(by_function.controls**2))


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"horizon": 0}, ValueError, "horizon"),
        ({"objective_weights": {"state": 1.0}}, ValueError, "objective_weights"),
        ({"objective_weights": {**WEIGHTS, "control": -1.0}}, ValueError, "control"),
        ({"control_bounds": (1.0, -1.0)}, ValueError, "control_bounds"),
        ({"control_bounds": 0.1}, TypeError, "control_bounds"),
        ({"time_limit": 0.0}, ValueError, "time_limit"),
        ({"solver": "ipopt"}, ValueError, "solver"),
        ({"tolerance": "small"}, TypeError, "tolerance"),
    ],
)
def test_bad_config_names_the_field(changes: dict, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        dataclasses.replace(BASE, **changes)


def test_bad_solve_arguments(mpc: DifferentiableMPC) -> None:
    with pytest.raises(ValueError, match="current_state"):
        mpc.solve(jnp.zeros(3), jnp.zeros(N))
    with pytest.raises(ValueError, match="reference_trajectory"):
        mpc.solve(X0, jnp.zeros((H + 1, N)))
    with pytest.raises(TypeError, match="system_model"):
        DifferentiableMPC("model", BASE)
