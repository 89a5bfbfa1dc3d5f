"""The three usage blocks of seed 002 (Opifex's optimization API reference) run against parzen.scientific.

The seed's ``from opifex.optimization.X import ...`` becomes ``from parzen.scientific.X import ...``.
Names the seed uses without defining (``params``, ``objective_fn``, ``dynamics_model``,
``state_data``, ``input_data``, ``mpc_config``, ``current_state``, ``reference_trajectory``) are
supplied here, and each test checks what its block promises: an optimized parameter set, a platform
and a deployment system that do their documented work, a learned model and a control action.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp  # noqa: E402
import numpy as np
import pytest
from flax import nnx  # noqa: E402

# a small regression problem: fit y = X w* + b* (the seed leaves params and objective_fn to the user)
_X = jnp.asarray(np.random.default_rng(0).normal(size=(64, 5)), jnp.float32)
_W = jnp.array([1.0, -2.0, 0.5, 3.0, 0.0])
_Y = _X @ _W + 0.7


def objective_fn(p: dict[str, jax.Array]) -> jax.Array:
    return jnp.mean((_X @ p["w"] + p["b"] - _Y) ** 2)


def test_basic_meta_optimization() -> None:
    params = {"w": jnp.zeros(5), "b": jnp.zeros(())}

    # --- the seed's block ---
    from parzen.scientific.meta_optimization import LearnToOptimize, MetaOptimizerConfig

    config = MetaOptimizerConfig(
        meta_learning_rate=1e-4,
        adaptation_steps=5,
        warm_start_strategy="previous_params"
    )

    l2o = LearnToOptimize(config=config, rngs=nnx.Rngs(42))
    optimized_params = l2o.optimize(params, objective_fn, num_steps=1000)
    # --- end of block ---

    assert jax.tree.structure(optimized_params) == jax.tree.structure(params)
    assert float(objective_fn(optimized_params)) < 1e-4 * float(objective_fn(params))
    np.testing.assert_allclose(optimized_params["w"], _W, atol=1e-2)
    # warm_start_strategy="previous_params": a related problem starts from the last solution
    def ridge(p: dict[str, jax.Array]) -> jax.Array:
        return objective_fn(p) + 0.001 * jnp.sum(p["w"] ** 2)

    related = l2o.optimize(params, ridge, num_steps=10)
    assert l2o.history_ is not None and l2o.history_.warm_started
    assert l2o.history_.losses[0] == pytest.approx(float(ridge(optimized_params)), rel=1e-4)
    assert l2o.history_.losses[0] < 0.01 * float(ridge(params))
    assert jax.tree.structure(related) == jax.tree.structure(params)


def test_production_deployment() -> None:
    # --- the seed's block ---
    from parzen.scientific.adaptive_deployment import AdaptiveDeploymentSystem
    from parzen.scientific.production import HybridPerformancePlatform

    platform = HybridPerformancePlatform(
        gpu_memory_optimization=True,
        adaptive_jit=True
    )

    deployment = AdaptiveDeploymentSystem(
        canary_percentage=10,
        ai_driven_strategies=True
    )
    # --- end of block ---

    def apply_fn(p: dict[str, jax.Array], x: jax.Array) -> jax.Array:
        return x @ p["w"] + p["b"]

    served = platform.optimize_model(apply_fn)
    incumbent = {"w": jnp.zeros(5), "b": jnp.zeros(())}
    candidate = {"w": _W, "b": jnp.asarray(0.6)}
    for rows in (5, 6, 7):
        np.testing.assert_allclose(served(candidate, _X[:rows]), apply_fn(candidate, _X[:rows]), rtol=1e-5)
    assert served.compilations == 1  # one bucket of 8 rows serves all three batch sizes

    rng = np.random.default_rng(0)

    def evaluate(p: dict[str, jax.Array]) -> float:
        rows = rng.integers(0, 64, size=8)  # a request of 8 samples; the metric is its squared error
        return float(jnp.mean((served(p, _X[rows]) - _Y[rows]) ** 2))

    deployment.deploy(incumbent, candidate)
    record = deployment.run(evaluate)
    assert record.status == "promoted" and deployment.incumbent is candidate
    assert len(record.metrics["candidate"]) < len(record.metrics["incumbent"])  # a canary: the minority


def test_control_system() -> None:
    rng = np.random.default_rng(1)
    a_true = np.array([[1.0, 0.1, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0.1], [0, 0, 0, 1.0]])
    b_true = np.array([[0.005, 0], [0.1, 0], [0, 0.005], [0, 0.1]])  # two double integrators
    state_data = np.zeros((101, 4))
    input_data = rng.normal(size=(100, 2))
    state_data[0] = rng.normal(size=4)
    for t in range(100):
        state_data[t + 1] = a_true @ state_data[t] + b_true @ input_data[t] + 0.001 * rng.normal(size=4)

    from parzen.scientific.control import LinearDynamics, MPCConfig

    dynamics_model = LinearDynamics(state_dim=4, input_dim=2)
    mpc_config = MPCConfig(horizon=20, control_dim=2, state_dim=4, control_bounds=(-1.0, 1.0))
    current_state = jnp.array([1.0, 0.0, -1.0, 0.0])
    reference_trajectory = jnp.zeros((20, 4))

    # --- the seed's block ---
    from parzen.scientific.control import DifferentiableMPC, SystemIdentifier

    # Learn system dynamics
    system_id = SystemIdentifier(model=dynamics_model)
    trained_model = system_id.fit(state_data, input_data)

    # Create MPC controller
    mpc = DifferentiableMPC(system_model=trained_model, config=mpc_config)
    control_action = mpc.solve(current_state, reference_trajectory)
    # --- end of block ---

    np.testing.assert_allclose(trained_model.A[...], a_true, atol=0.01)
    np.testing.assert_allclose(trained_model.B[...], b_true, atol=0.01)
    assert control_action.control.shape == (2,) and control_action.states.shape == (21, 4)
    assert np.all(np.abs(np.asarray(control_action.controls)) <= 1.0)
    # in closed loop on the true system, re-planning each step drives the state to the reference
    x = np.asarray(current_state, np.float64)
    for _ in range(40):
        u = np.asarray(mpc.solve(jnp.asarray(x, jnp.float32), reference_trajectory).control, np.float64)
        assert np.all(np.abs(u) <= 1.0)
        x = a_true @ x + b_true @ u
    assert np.linalg.norm(x) < 0.1 * np.linalg.norm(np.asarray(current_state))
