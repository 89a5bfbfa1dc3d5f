"""LearnToOptimize: each config field's effect, any pytree size, and meta-training that helps held-out tasks."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp  # noqa: E402
import numpy as np
import pytest
from flax import nnx  # noqa: E402

from parzen.scientific.meta_optimization import (  # noqa: E402
    LearnToOptimize,
    MetaOptimizerConfig,
    QuadraticTaskFamily,
    RegressionTaskFamily,
)
from parzen.scientific.meta_optimization import l2o as l2o_module  # noqa: E402

TARGET = jnp.linspace(-1.0, 1.0, 6)


def bowl(p: jax.Array) -> jax.Array:
    """An ill-scaled bowl; one function object, so every optimize call on it shares compilations."""
    return jnp.sum(jnp.linspace(0.1, 3.0, 6) * (p - TARGET) ** 2)


def config(**kw: object) -> MetaOptimizerConfig:
    return MetaOptimizerConfig(**{"warm_start_strategy": "none", **kw})  # type: ignore[arg-type]


X0 = jnp.array([0.5, -0.3, 2.0, 0.0, 1.0, -2.0])
G0 = jax.grad(bowl)(X0)


@pytest.mark.parametrize(
    ("base", "expected_step"),
    [
        ("sgd", lambda lr: -lr * G0),
        ("adam", lambda lr: -lr * G0 / (jnp.abs(G0) + 1e-8)),
        ("rmsprop", lambda lr: -lr * G0 / (jnp.sqrt(0.1 * G0**2) + 1e-8)),
        ("adamw", lambda lr: -lr * (G0 / (jnp.abs(G0) + 1e-8) + 1e-4 * X0)),
    ],
)
def test_base_optimizer_and_learning_rate_set_the_first_step(base: str, expected_step: object) -> None:
    l2o = LearnToOptimize(config(meta_algorithm="warm_start", base_optimizer=base, learning_rate=0.05))
    x1 = l2o.optimize(X0, bowl, num_steps=1)
    np.testing.assert_allclose(x1 - X0, expected_step(0.05), rtol=1e-4, atol=1e-7)  # type: ignore[operator]


def test_an_untrained_learned_rule_is_its_base_optimizer_and_training_changes_it() -> None:
    learned = LearnToOptimize(config(meta_algorithm="l2o"), rngs=nnx.Rngs(42))
    plain = LearnToOptimize(config(meta_algorithm="warm_start"))
    np.testing.assert_allclose(learned.optimize(X0, bowl, 20), plain.optimize(X0, bowl, 20), rtol=1e-5, atol=1e-6)
    learned.theta_["mlp"]["b3"] = jnp.array([0.5, 0.0])  # a larger per-coordinate scale exp(0.5 ...)
    assert not np.allclose(learned.optimize(X0, bowl, 20), plain.optimize(X0, bowl, 20))


def test_adaptive_lr_raises_a_small_step_size_at_meta_learning_rate() -> None:
    losses = {}
    for algorithm, beta in [("warm_start", 1e-4), ("adaptive_lr", 1e-4), ("adaptive_lr", 0.1)]:
        l2o = LearnToOptimize(config(meta_algorithm=algorithm, base_optimizer="sgd", learning_rate=1e-3,
                                     meta_learning_rate=beta))
        l2o.optimize(X0, bowl, 200)
        assert l2o.history_ is not None
        losses[algorithm, beta] = l2o.history_.losses[-1]
    assert losses["adaptive_lr", 0.1] < 0.1 * losses["warm_start", 1e-4]
    assert losses["adaptive_lr", 1e-4] < losses["warm_start", 1e-4]
    assert losses["adaptive_lr", 1e-4] > losses["adaptive_lr", 0.1]


def test_performance_tracking_records_the_losses_or_nothing() -> None:
    tracked = LearnToOptimize(config(meta_algorithm="warm_start", learning_rate=0.05))
    tracked.optimize(X0, bowl, 50)
    assert tracked.history_ is not None and tracked.history_.losses.shape == (51,)
    assert tracked.history_.losses[0] == pytest.approx(float(bowl(X0)))
    assert tracked.history_.losses[-1] < 0.1 * tracked.history_.losses[0]
    assert tracked.history_.wall_time > 0 and not tracked.history_.warm_started
    untracked = LearnToOptimize(config(meta_algorithm="warm_start", learning_rate=0.05, performance_tracking=False))
    untracked.optimize(X0, bowl, 50)
    assert untracked.history_ is None


def test_previous_params_warm_starts_a_related_problem() -> None:
    shift = jnp.full(6, 0.05)

    def related(p: jax.Array) -> jax.Array:
        return bowl(p - shift)

    results = {}
    for strategy in ["previous_params", "none"]:
        l2o = LearnToOptimize(config(meta_algorithm="warm_start", warm_start_strategy=strategy, learning_rate=0.05))
        first = l2o.optimize(X0, bowl, 100)
        l2o.optimize(X0, related, 100)
        assert l2o.history_ is not None
        results[strategy] = l2o.history_
        if strategy == "previous_params":
            assert l2o.history_.warm_started
            assert l2o.history_.losses[0] == pytest.approx(float(related(first)), rel=1e-5)
    assert results["previous_params"].losses[0] < 0.01 * results["none"].losses[0]
    # a problem of another shape does not reuse the previous solution
    l2o = LearnToOptimize(config(meta_algorithm="warm_start"))
    l2o.optimize(X0, bowl, 5)
    l2o.optimize(jnp.ones(3), lambda p: jnp.sum(p**2), 5)
    assert l2o.history_ is not None and not l2o.history_.warm_started


def test_ten_thousand_parameters_all_move_and_memory_efficient_chunks_bound_memory() -> None:
    n = 10_000
    target = jnp.sin(jnp.arange(n, dtype=jnp.float32))
    params = {"w": jnp.zeros((100, 100)), "b": jnp.zeros(5)}

    def objective(p: dict[str, jax.Array]) -> jax.Array:
        return jnp.sum((p["w"].reshape(-1) - target) ** 2) + jnp.sum((p["b"] - 1.0) ** 2)

    out = {}
    for efficient in (True, False):
        cfg = config(meta_algorithm="l2o", learning_rate=0.05, memory_efficient=efficient, chunk_size=1024,
                     hidden_size=32)
        l2o = LearnToOptimize(cfg, rngs=nnx.Rngs(0))
        l2o.theta_["mlp"]["w3"] = 0.01 * jnp.ones((32, 2))  # a nonzero learned part, so the MLP matters
        compiled = l2o_module._run.lower(l2o._graph_config(), objective, 100, True, l2o.theta_, params).compile()
        # optimize runs this compiled loop; the second configuration is run through it directly
        out[efficient] = l2o.optimize(params, objective, 100) if efficient else compiled(l2o.theta_, params)[0]
        out[efficient, "bytes"] = compiled.memory_analysis().temp_size_in_bytes
    w = np.asarray(out[True]["w"]).reshape(-1)
    moved = np.abs(w) > 1e-3
    assert moved[128:].mean() > 0.99 and moved[-1]
    assert np.mean((w - np.asarray(target)) ** 2) < 0.01
    np.testing.assert_allclose(out[True]["w"], out[False]["w"], rtol=1e-4, atol=1e-5)
    assert out[True, "bytes"] < 0.5 * out[False, "bytes"]


def test_hidden_size_sets_the_mlp_width() -> None:
    l2o = LearnToOptimize(config(hidden_size=7), rngs=nnx.Rngs(1))
    assert l2o.theta_["mlp"]["w2"].shape == (7, 7)
    assert "mlp" not in LearnToOptimize(config(meta_algorithm="adaptive_lr")).theta_


@pytest.fixture(scope="module")
def trained() -> tuple[LearnToOptimize, LearnToOptimize]:
    family = QuadraticTaskFamily(6)
    cfg = config(meta_algorithm="l2o", meta_learning_rate=3e-2, adaptation_steps=10)
    untrained = LearnToOptimize(cfg, rngs=nnx.Rngs(42))
    learned = LearnToOptimize(cfg, rngs=nnx.Rngs(42))
    learned.meta_train(family, num_iterations=30, population=4, num_tasks=8, horizon=40, seed=0)
    return untrained, learned


def test_meta_training_lowers_the_held_out_loss(trained: tuple[LearnToOptimize, LearnToOptimize]) -> None:
    untrained, learned = trained
    family = QuadraticTaskFamily(6)
    before = untrained.evaluate(family, num_tasks=16, num_steps=40, seed=999)
    after = learned.evaluate(family, num_tasks=16, num_steps=40, seed=999)
    assert before.shape == (16, 41)
    np.testing.assert_allclose(before[:, 0], after[:, 0])  # the same held-out tasks and starting points
    assert np.mean(np.log(after[:, -1])) < np.mean(np.log(before[:, -1])) - 2.0  # e^2 = 7x lower, geometric mean
    assert learned.meta_losses_ is not None and learned.meta_losses_.shape == (30,)
    assert learned.meta_losses_[-5:].mean() < learned.meta_losses_[:5].mean()


def test_meta_learned_initialization_is_a_warm_start() -> None:
    family = RegressionTaskFamily(4, weight_offset=2.0)
    cfg = config(meta_algorithm="warm_start", warm_start_strategy="meta_init", learning_rate=0.1,
                 meta_learning_rate=0.5, adaptation_steps=3)
    l2o = LearnToOptimize(cfg)
    with pytest.raises(ValueError, match="meta_initialize"):
        l2o.optimize(family.init_params(jax.random.key(0)), lambda p: jnp.sum(p["w"] ** 2), 5)
    init = l2o.meta_initialize(family, method="reptile", num_iterations=60, tasks_per_batch=4)
    assert np.all(np.abs(np.asarray(init["w"]) - 2.0) < 0.5)  # the teachers' mean
    task = family.sample_task(jax.random.key(7))

    def objective(p: dict[str, jax.Array]) -> jax.Array:
        return family.loss(p, task, jax.random.key(8))

    l2o.optimize(family.init_params(jax.random.key(0)), objective, 5)
    assert l2o.history_ is not None and l2o.history_.warm_started
    assert l2o.history_.losses[0] == pytest.approx(float(objective(init)), rel=1e-5)
    cold = LearnToOptimize(dataclasses.replace(cfg, warm_start_strategy="none"))
    cold.optimize(family.init_params(jax.random.key(0)), objective, 5)
    assert cold.history_ is not None and l2o.history_.losses[-1] < 0.5 * cold.history_.losses[-1]


def test_adaptation_steps_is_the_length_of_the_inner_loop() -> None:
    family = QuadraticTaskFamily(2, center_offset=1.0)
    first_loss = {}
    for steps in (1, 4):
        l2o = LearnToOptimize(config(meta_algorithm="warm_start", learning_rate=0.1, meta_learning_rate=0.1,
                                     adaptation_steps=steps))
        l2o.meta_initialize(family, method="reptile", num_iterations=2, tasks_per_batch=4)
        assert l2o.meta_init_losses_ is not None
        first_loss[steps] = l2o.meta_init_losses_[0]  # the same tasks and start: only the inner loop differs
    assert first_loss[4] < 0.5 * first_loss[1]


def test_bad_arguments_fail_before_work() -> None:
    l2o = LearnToOptimize(config())
    with pytest.raises(TypeError, match="objective_fn"):
        l2o.optimize(X0, "bowl", 5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_steps"):
        l2o.optimize(X0, bowl, 0)
    with pytest.raises(TypeError, match="params"):
        l2o.optimize(jnp.arange(6), bowl, 5)
    with pytest.raises(TypeError, match="config"):
        LearnToOptimize({"meta_algorithm": "l2o"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sigma"):
        l2o.meta_train(QuadraticTaskFamily(2), sigma=0.0)
    with pytest.raises(ValueError, match="method"):
        l2o.meta_initialize(QuadraticTaskFamily(2), method="anil")
