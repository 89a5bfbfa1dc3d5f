"""Task families for meta-training: random quadratics and small regressions, as pure JAX functions.

A family samples tasks (pytrees of arrays, so that many tasks run side by side under ``vmap``), draws
initial parameters that do not depend on the task (so that one meta-learned initialization serves
them all), and scores parameters on a task. ``loss(params, task, key)`` takes a key because some
families draw a fresh batch of data per call (MAML's support and query batches differ by key).
"""

from __future__ import annotations

from typing import Any, Protocol

import jax
import jax.numpy as jnp

from parzen._checks import check_int, check_real


class TaskFamily(Protocol):
    """What :meth:`LearnToOptimize.meta_train`, :func:`maml` and :func:`reptile` need of a family."""

    def sample_task(self, key: jax.Array) -> Any: ...

    def init_params(self, key: jax.Array) -> Any: ...

    def loss(self, params: Any, task: Any, key: jax.Array) -> jax.Array: ...


class QuadraticTaskFamily:
    """``f(x) = 0.5 (x - c)^T A (x - c)`` with ``A = Q diag(lam) Q^T`` in a random rotation ``Q``.

    The largest eigenvalue is log-uniform in ``[min_scale, max_scale]`` (so no single step size suits
    every task) and the smallest is the largest divided by a condition number log-uniform in
    ``[1, max_condition]``; the others are log-uniform in between. Centers ``c`` are
    ``center_offset + center_scale * N(0, I)``; initial points are ``N(0, I)``.
    """

    def __init__(self, dim: int = 8, *, min_scale: float = 0.1, max_scale: float = 10.0,
                 max_condition: float = 100.0, center_offset: float = 0.0, center_scale: float = 1.0) -> None:
        self.dim = check_int("dim", dim, 1)
        self.min_scale = check_real("min_scale", min_scale, 1e-12)
        self.max_scale = check_real("max_scale", max_scale, self.min_scale)
        self.max_condition = check_real("max_condition", max_condition, 1.0)
        self.center_offset = check_real("center_offset", center_offset)
        self.center_scale = check_real("center_scale", center_scale, 0.0)

    def sample_task(self, key: jax.Array) -> dict[str, jax.Array]:
        k_rot, k_top, k_cond, k_eig, k_center = jax.random.split(key, 5)
        q, _ = jnp.linalg.qr(jax.random.normal(k_rot, (self.dim, self.dim)))
        log_top = jax.random.uniform(k_top, minval=jnp.log(self.min_scale), maxval=jnp.log(self.max_scale))
        log_cond = jax.random.uniform(k_cond, maxval=jnp.log(self.max_condition))
        u = jax.random.uniform(k_eig, (self.dim,)).at[0].set(1.0).at[-1].set(0.0)
        eigenvalues = jnp.exp(log_top - log_cond * u)
        center = self.center_offset + self.center_scale * jax.random.normal(k_center, (self.dim,))
        return {"matrix": (q * eigenvalues) @ q.T, "center": center}

    def init_params(self, key: jax.Array) -> jax.Array:
        return jax.random.normal(key, (self.dim,))

    def loss(self, params: jax.Array, task: dict[str, jax.Array], key: jax.Array) -> jax.Array:
        del key  # deterministic
        d = params - task["center"]
        return 0.5 * d @ task["matrix"] @ d


class RegressionTaskFamily:
    """Least-squares fit of a linear student ``{"w", "b"}`` to a noisy linear teacher.

    Teacher weights are ``weight_offset + N(0, I)``; each ``loss`` call draws ``n_samples`` inputs
    ``N(0, I)`` from its key and targets ``x @ w* + b* + noise_scale * N(0, 1)``; the loss is the mean
    squared error. Initial students are ``N(0, 0.1^2)``.
    """

    def __init__(self, n_features: int = 8, *, n_samples: int = 32, noise_scale: float = 0.1,
                 weight_offset: float = 0.0) -> None:
        self.n_features = check_int("n_features", n_features, 1)
        self.n_samples = check_int("n_samples", n_samples, 1)
        self.noise_scale = check_real("noise_scale", noise_scale, 0.0)
        self.weight_offset = check_real("weight_offset", weight_offset)

    def sample_task(self, key: jax.Array) -> dict[str, jax.Array]:
        k_w, k_b = jax.random.split(key)
        return {"w": self.weight_offset + jax.random.normal(k_w, (self.n_features,)),
                "b": jax.random.normal(k_b, ())}

    def init_params(self, key: jax.Array) -> dict[str, jax.Array]:
        return {"w": 0.1 * jax.random.normal(key, (self.n_features,)), "b": jnp.zeros(())}

    def loss(self, params: dict[str, jax.Array], task: dict[str, jax.Array], key: jax.Array) -> jax.Array:
        k_x, k_noise = jax.random.split(key)
        x = jax.random.normal(k_x, (self.n_samples, self.n_features))
        y = x @ task["w"] + task["b"] + self.noise_scale * jax.random.normal(k_noise, (self.n_samples,))
        return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)
