"""HybridOptimizer: 2,000 steps in one ``jax.jit`` + ``lax.scan`` per criterion, switching where it should.

The problem is an ill-conditioned quadratic in 10 dimensions (known minimum), on which Adam slows
down and L-BFGS finishes. Each run records the loss, the gradient norm and the switched flag at every
step, and the test recomputes from those records the first step where the criterion holds.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from parzen.scientific.second_order import HybridOptimizer, HybridOptimizerConfig, HybridState, LBFGSConfig

A = jnp.diag(jnp.logspace(0.0, 2.0, 10))
B = jnp.ones(10)
MINIMUM = float(1.0 - 0.5 * B @ jnp.linalg.solve(A, B))
STEPS = 2000
LBFGS = LBFGSConfig(linesearch="backtracking", max_iterations=STEPS, tolerance=1e-5)


def loss_fn(x: jax.Array) -> jax.Array:
    return 0.5 * x @ A @ x - B @ x + 1.0


def run(config: HybridOptimizerConfig, steps: int = STEPS, pass_loss: bool = True) -> tuple[HybridState, dict]:
    optimizer = HybridOptimizer(config)

    @jax.jit
    def scan(x: jax.Array) -> tuple[Any, dict]:
        def body(carry: tuple, _: None) -> tuple[tuple, dict]:
            x, state = carry
            loss, grad = jax.value_and_grad(loss_fn)(x)
            updates, state = optimizer.update(grad, state, x, loss=loss if pass_loss else None, value_fn=loss_fn)
            record = {"loss": loss, "grad_norm": optax.tree.norm(grad), "switched": state.switched, "x": x}
            return (optax.apply_updates(x, updates), state), record

        return jax.lax.scan(body, (x, optimizer.init(x)), None, length=steps)

    (_, state), records = scan(jnp.zeros(10))
    return state, jax.tree_util.tree_map(np.asarray, records)


def hybrid(criterion: str, **fields: Any) -> HybridOptimizerConfig:
    return HybridOptimizerConfig(
        **{
            "switch_criterion": criterion,
            "adam_learning_rate": 1e-2,
            "loss_history_window": 20,
            "first_order_steps": STEPS,
            "lbfgs_config": LBFGS,
            **fields,
        }
    )


def check_switch(state: HybridState, records: dict, expected: int) -> None:
    """The switch happened once, at ``expected``, and L-BFGS then reached the minimum."""
    switched = records["switched"]
    assert int(state.switch_step) == expected
    assert not switched[:expected].any() and switched[expected:].all()
    assert bool(HybridOptimizer.is_using_lbfgs(state)) and int(state.step) == STEPS
    assert records["loss"][-1] == pytest.approx(MINIMUM, abs=1e-5)


def first(condition: np.ndarray) -> int:
    assert condition.any(), "the criterion never holds in the recorded run"
    return int(np.argmax(condition))


def test_epoch_switches_after_first_order_steps_and_adam_is_plain_adam() -> None:
    config = hybrid("epoch", first_order_steps=300, adam_learning_rate=2e-2, adam_b1=0.8, adam_b2=0.99)
    state, records = run(config, pass_loss=False)
    check_switch(state, records, 300)
    # before the switch the iterates are those of optax's Adam with the configured hyperparameters
    adam = optax.adam(2e-2, b1=0.8, b2=0.99)

    def body(carry: tuple, _: None) -> tuple[tuple, jax.Array]:
        x, s = carry
        updates, s = adam.update(jax.grad(loss_fn)(x), s, x)
        return (optax.apply_updates(x, updates), s), x

    _, adam_path = jax.lax.scan(body, (jnp.zeros(10), adam.init(jnp.zeros(10))), None, length=300)
    # (compared over the first 100 steps: later, Adam oscillates and amplifies rounding differences)
    np.testing.assert_allclose(records["x"][:100], adam_path[:100], rtol=1e-4, atol=1e-6)
    # Adam alone is still far from the minimum at the switch, L-BFGS closes the gap
    assert records["loss"][299] - MINIMUM > 1e-3


def test_loss_variance_switches_when_the_window_is_flat() -> None:
    state, records = run(hybrid("loss_variance", loss_variance_threshold=1e-6))
    losses = records["loss"]
    window = 20
    variances = np.array([np.var(losses[max(0, t - window + 1) : t + 1]) for t in range(STEPS)])
    full = np.arange(STEPS) >= window - 1
    expected = first(full & (variances < 1e-6))
    assert expected > window
    check_switch(state, records, expected)


def test_gradient_norm_switches_below_the_threshold() -> None:
    state, records = run(hybrid("gradient_norm", gradient_norm_threshold=1e-1))
    expected = first(records["grad_norm"] < 1e-1)
    assert expected > 10
    check_switch(state, records, expected)


def test_relative_improvement_switches_when_progress_stalls() -> None:
    state, records = run(hybrid("relative_improvement", relative_improvement_threshold=1e-3))
    losses = records["loss"]
    window = 20
    steps = np.arange(window - 1, STEPS)
    improvement = (losses[steps - window + 1] - losses[steps]) / np.abs(losses[steps - window + 1])
    expected = int(steps[first(improvement < 1e-3)])
    check_switch(state, records, expected)


def test_first_order_steps_bounds_every_criterion_and_lbfgs_limits_apply() -> None:
    lbfgs = LBFGSConfig(linesearch="backtracking", max_iterations=3)
    state, records = run(
        hybrid("loss_variance", loss_variance_threshold=0.0, first_order_steps=40, lbfgs_config=lbfgs), steps=60
    )
    assert int(state.switch_step) == 40
    path = records["x"]
    # three L-BFGS steps (40, 41, 42) move the parameters, then the phase is over
    assert all(not np.allclose(path[t], path[t + 1]) for t in (40, 41, 42))
    np.testing.assert_array_equal(path[43], path[-1])


def test_update_needs_value_fn_and_a_hybrid_state() -> None:
    optimizer = HybridOptimizer(HybridOptimizerConfig())
    x = jnp.zeros(10)
    state = optimizer.init(x)
    with pytest.raises(ValueError, match="value_fn"):
        optimizer.update(x, state, x, loss=1.0)
    with pytest.raises(TypeError, match="state"):
        optimizer.update(x, (state,), x, loss=1.0, value_fn=loss_fn)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config"):
        HybridOptimizer(LBFGSConfig())  # type: ignore[arg-type]
