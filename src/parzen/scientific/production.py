"""``HybridPerformancePlatform``: serve a JAX model's apply function with few compilations and bounded memory.

``platform.optimize_model(apply_fn)`` returns a :class:`ServedModel`, called as ``served(params, x)``
for a batch ``x`` whose first axis is the batch; ``apply_fn(params, x)`` must treat rows
independently (no cross-row statistics), so that padding rows cannot change the real rows' outputs.

- ``adaptive_jit=True``: a batch of ``B`` rows is padded with zero rows to its bucket, the next power
  of two at least ``min_bucket``, and runs on the executable compiled for that bucket; so batch sizes
  3, 5, 7 and 8 share one compilation, and at most ``log2(B_max)`` executables exist per trailing
  shape. The padded rows are dropped from the output. With ``False`` every distinct batch size is
  compiled on its own (what a plain ``jax.jit`` does), and nothing is padded.
- ``gpu_memory_optimization=True``: a batch larger than ``micro_batch_size`` rows runs through
  ``lax.map`` over micro-batches of that many rows (padded to a multiple), so intermediate
  activations take ``micro_batch_size`` rows of memory instead of the whole batch's; XLA's own
  accounting of the executable's temporary memory (``memory_bytes``) shows the difference. With
  ``False`` the whole batch goes through at once.

Every executable is compiled ahead of time (``jit(...).lower(...).compile()``), its compile time
measured; every call's run time is measured after ``block_until_ready``. ``report()`` lists them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import jax
import jax.numpy as jnp

from parzen._checks import check_bool, check_int


@dataclass
class ExecutableStats:
    """Measurements of one compiled executable (one bucket, or one exact shape)."""

    rows: int  # batch rows it was compiled for
    compile_seconds: float
    memory_bytes: int  # XLA's temporary memory for the executable (-1 where the backend does not say)
    run_seconds: list[float] = field(default_factory=list)


class ServedModel:
    """``apply_fn`` behind the platform's compilation and memory policy; see the module docstring."""

    def __init__(self, apply_fn: Callable[[Any, jax.Array], Any], platform: HybridPerformancePlatform) -> None:
        self.apply_fn = apply_fn
        self.platform = platform
        self._executables: dict[tuple[Any, ...], Any] = {}
        self.stats: dict[tuple[Any, ...], ExecutableStats] = {}

    @property
    def compilations(self) -> int:
        return len(self._executables)

    def _rows(self, batch: int) -> int:
        p = self.platform
        rows = max(p.min_bucket, 1 << (batch - 1).bit_length()) if p.adaptive_jit else batch
        if p.gpu_memory_optimization and rows > p.micro_batch_size:
            rows = -(-rows // p.micro_batch_size) * p.micro_batch_size
        return rows

    def _compiled_fn(self, rows: int) -> Callable[[Any, jax.Array], Any]:
        p, fn = self.platform, self.apply_fn
        if not (p.gpu_memory_optimization and rows > p.micro_batch_size):
            return fn
        size = p.micro_batch_size

        def chunked(params: Any, x: jax.Array) -> Any:
            blocks = x.reshape(rows // size, size, *x.shape[1:])
            out = jax.lax.map(lambda block: fn(params, block), blocks)
            return jax.tree.map(lambda y: y.reshape(rows, *y.shape[2:]), out)

        return chunked

    def __call__(self, params: Any, x: Any) -> Any:
        x = jnp.asarray(x)
        if x.ndim < 1 or x.shape[0] < 1:
            raise ValueError(f"`x` must have a batch axis with at least one row, got shape {x.shape}")
        batch = x.shape[0]
        rows = self._rows(batch)
        if rows != batch:
            x = jnp.concatenate([x, jnp.zeros((rows - batch, *x.shape[1:]), x.dtype)])
        key = (rows, x.shape[1:], x.dtype, jax.tree.structure(params),
               tuple((jnp.shape(a), jnp.result_type(a)) for a in jax.tree.leaves(params)))
        if key not in self._executables:
            began = time.perf_counter()
            compiled = jax.jit(self._compiled_fn(rows)).lower(params, x).compile()
            seconds = time.perf_counter() - began
            self._executables[key] = compiled
            memory = compiled.memory_analysis()
            temp_bytes = int(memory.temp_size_in_bytes) if memory is not None else -1
            self.stats[key] = ExecutableStats(rows, seconds, temp_bytes)
        began = time.perf_counter()
        out = jax.block_until_ready(self._executables[key](params, x))
        self.stats[key].run_seconds.append(time.perf_counter() - began)
        return jax.tree.map(lambda y: y[:batch], out)

    def report(self) -> list[dict[str, Any]]:
        """One row per executable: rows, compile seconds, calls, mean run seconds, temporary bytes."""
        return [{"rows": s.rows, "compile_seconds": s.compile_seconds, "calls": len(s.run_seconds),
                 "mean_run_seconds": sum(s.run_seconds) / max(1, len(s.run_seconds)), "memory_bytes": s.memory_bytes}
                for s in self.stats.values()]


class HybridPerformancePlatform:
    """The seed's ``HybridPerformancePlatform(gpu_memory_optimization=True, adaptive_jit=True)``."""

    def __init__(self, gpu_memory_optimization: bool = True, adaptive_jit: bool = True, *,
                 micro_batch_size: int = 256, min_bucket: int = 8) -> None:
        self.gpu_memory_optimization = check_bool("gpu_memory_optimization", gpu_memory_optimization)
        self.adaptive_jit = check_bool("adaptive_jit", adaptive_jit)
        self.micro_batch_size = check_int("micro_batch_size", micro_batch_size, 1)
        self.min_bucket = check_int("min_bucket", min_bucket, 1)
        self.models: list[ServedModel] = []

    def optimize_model(self, apply_fn: Callable[[Any, jax.Array], Any]) -> ServedModel:
        """Serve ``apply_fn(params, x)`` under this platform's policy."""
        if not callable(apply_fn):
            raise TypeError(f"`apply_fn` must be callable as apply_fn(params, x), got {apply_fn!r}")
        served = ServedModel(apply_fn, self)
        self.models.append(served)
        return served
