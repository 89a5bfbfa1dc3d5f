"""NNX wrappers on a model with BatchNorm and Dropout: in-place updates, carried state, one compilation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from parzen.scientific.second_order import (
    HybridOptimizerConfig,
    LBFGSConfig,
    NNXHybridOptimizer,
    NNXLBFGSWrapper,
    create_nnx_hybrid_optimizer,
    create_nnx_lbfgs_optimizer,
)

X = jax.random.normal(jax.random.key(0), (64, 2))
Y = jnp.sin(X[:, :1]) + X[:, 1:] ** 2
LBFGS = LBFGSConfig(linesearch="backtracking")
TRACES: list[str] = []


class Net(nnx.Module):
    def __init__(self, rngs: nnx.Rngs) -> None:
        self.dense = nnx.Linear(2, 16, rngs=rngs)
        self.norm = nnx.BatchNorm(16, rngs=rngs)
        self.dropout = nnx.Dropout(0.1, rngs=rngs)
        self.out = nnx.Linear(16, 1, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.out(self.dropout(jnp.tanh(self.norm(self.dense(x)))))


def mse(model: Net, x: jax.Array, y: jax.Array) -> jax.Array:
    TRACES.append("traced")  # runs only while JAX traces the step
    return jnp.mean((model(x) - y) ** 2)


def test_lbfgs_steps_update_the_model_in_place_and_carry_its_state() -> None:
    model = Net(nnx.Rngs(0))
    optimizer = create_nnx_lbfgs_optimizer(model, LBFGS)
    assert isinstance(optimizer, NNXLBFGSWrapper) and optimizer.is_using_lbfgs
    kernel = np.array(model.dense.kernel[...])
    expected_mean = 0.01 * np.mean(np.asarray(model.dense(X)), axis=0)  # BatchNorm momentum 0.99, mean 0

    first_loss = optimizer.step(mse, X, Y)
    assert not np.allclose(model.dense.kernel[...], kernel)
    np.testing.assert_allclose(model.norm.mean[...], expected_mean, rtol=1e-4, atol=1e-7)
    assert int(model.dropout.rngs.count[...]) == 1  # line-search evaluations reuse the step's mask

    traces = len(TRACES)
    losses = [float(optimizer.step(mse, X, Y)) for _ in range(14)]
    assert len(TRACES) == traces  # one compilation serves every step
    assert int(model.dropout.rngs.count[...]) == 15 and optimizer.step_count == 15
    assert losses[-1] < 0.5 * float(first_loss)
    # only parameters are optimized: the L-BFGS memory holds no batch statistic
    memory_paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_leaves_with_path(optimizer._opt_state[0])]
    assert not any("mean" in path or "var" in path for path in memory_paths)


def test_hybrid_switches_after_the_adam_steps_and_keeps_training() -> None:
    model = Net(nnx.Rngs(1))
    config = HybridOptimizerConfig(
        switch_criterion="epoch", first_order_steps=5, adam_learning_rate=1e-2, lbfgs_config=LBFGS
    )
    optimizer = create_nnx_hybrid_optimizer(model, config)
    assert isinstance(optimizer, NNXHybridOptimizer)
    using = []
    losses = []
    for _ in range(12):
        using.append(optimizer.is_using_lbfgs)
        losses.append(float(optimizer.step(mse, X, Y)))
    assert using == [False] * 6 + [True] * 6  # the switch decision of step 5 is seen after it
    assert optimizer.switch_step == 5 and optimizer.step_count == 12
    assert int(model.dropout.rngs.count[...]) == 12
    assert float(jnp.max(jnp.abs(model.norm.mean[...]))) > 0.0
    assert losses[-1] < losses[0]


def test_bad_arguments_are_refused() -> None:
    model = Net(nnx.Rngs(2))
    with pytest.raises(TypeError, match="model"):
        NNXLBFGSWrapper({"w": jnp.zeros(2)})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="wrt"):
        NNXLBFGSWrapper(model, wrt=nnx.Intermediate)
    with pytest.raises(TypeError, match="config"):
        NNXLBFGSWrapper(model, HybridOptimizerConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config"):
        NNXHybridOptimizer(model, LBFGSConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="loss_fn"):
        NNXLBFGSWrapper(model, LBFGS).step("mse")  # type: ignore[arg-type]


class Small(nnx.Module):
    def __init__(self, rngs: nnx.Rngs) -> None:
        self.dense = nnx.Linear(2, 8, rngs=rngs)
        self.norm = nnx.BatchNorm(8, rngs=rngs)
        self.out = nnx.Linear(8, 1, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.out(jnp.tanh(self.norm(self.dense(x))))


def test_minimize_stops_at_max_iterations_or_at_the_tolerance() -> None:
    model = Small(nnx.Rngs(0))
    optimizer = NNXLBFGSWrapper(model, LBFGSConfig(linesearch="backtracking", max_iterations=20, tolerance=1e-2))
    limited = optimizer.minimize(mse, X, Y)
    assert int(limited.iterations) == 20 and not bool(limited.converged)
    assert float(limited.gradient_norm) > 1e-2
    assert optimizer.step_count == 20
    assert float(jnp.max(jnp.abs(model.norm.mean[...]))) > 0.0  # batch statistics were carried
    for _ in range(10):  # each call continues from where the last one stopped, with the same compiled loop
        result = optimizer.minimize(mse, X, Y)
        if bool(result.converged):
            break
    assert bool(result.converged) and int(result.iterations) < 20
    assert float(result.gradient_norm) <= 1e-2
    assert float(mse(model, X, Y)) == pytest.approx(float(result.value), rel=1e-5)
    assert float(result.value) < float(limited.value)
