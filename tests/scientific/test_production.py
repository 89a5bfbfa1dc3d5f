"""HybridPerformancePlatform: one compilation per shape bucket, micro-batched memory, measured timings."""

from __future__ import annotations

import jax
import jax.numpy as jnp  # noqa: E402
import numpy as np
import pytest

from parzen.scientific.production import HybridPerformancePlatform  # noqa: E402

PARAMS = {"w1": jnp.asarray(np.random.default_rng(0).normal(size=(16, 256)), jnp.float32) / 4,
          "w2": jnp.asarray(np.random.default_rng(1).normal(size=(256, 3)), jnp.float32) / 16}


def mlp(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    return jnp.tanh(x @ params["w1"]) @ params["w2"]


def batch(rows: int) -> jax.Array:
    return jnp.asarray(np.random.default_rng(rows).normal(size=(rows, 16)), jnp.float32)


@pytest.mark.parametrize(("adaptive", "expected"), [(True, 1), (False, 4)])
def test_adaptive_jit_compiles_once_per_bucket(adaptive: bool, expected: int) -> None:
    platform = HybridPerformancePlatform(gpu_memory_optimization=False, adaptive_jit=adaptive)
    served = platform.optimize_model(mlp)
    for rows in (3, 5, 7, 8, 5):
        np.testing.assert_allclose(served(PARAMS, batch(rows)), mlp(PARAMS, batch(rows)), rtol=1e-5, atol=1e-6)
    assert served.compilations == expected
    report = served.report()
    assert sum(r["calls"] for r in report) == 5
    assert all(r["compile_seconds"] > 0 and r["mean_run_seconds"] > 0 for r in report)
    assert [r["rows"] for r in report] == ([8] if adaptive else [3, 5, 7, 8])
    served(PARAMS, batch(9))  # the next bucket (16), or a fifth exact shape
    assert served.compilations == expected + 1


def test_memory_optimization_micro_batches_and_lowers_temporary_memory() -> None:
    x = batch(2048)
    outputs, memory = {}, {}
    for on in (True, False):
        platform = HybridPerformancePlatform(gpu_memory_optimization=on, adaptive_jit=True, micro_batch_size=128)
        served = platform.optimize_model(mlp)
        outputs[on] = served(PARAMS, x)
        (row,) = served.report()
        memory[on] = row["memory_bytes"]
    np.testing.assert_allclose(outputs[True], outputs[False], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outputs[True], mlp(PARAMS, x), rtol=1e-5, atol=1e-6)
    # the (2048 x 256) hidden activation is computed 128 rows at a time
    assert memory[True] < memory[False] / 4


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="gpu_memory_optimization"):
        HybridPerformancePlatform(gpu_memory_optimization="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="micro_batch_size"):
        HybridPerformancePlatform(micro_batch_size=0)
    with pytest.raises(TypeError, match="apply_fn"):
        HybridPerformancePlatform().optimize_model(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="x"):
        HybridPerformancePlatform().optimize_model(mlp)(PARAMS, jnp.zeros((0, 16)))
