"""Gauss-Newton and Levenberg-Marquardt on a residual function, one ``lax.while_loop`` under ``jax.jit``.

The parameters (any pytree of float arrays) are flattened into one vector ``x`` and the residuals into
one vector ``r(x)`` of length ``m``; the Jacobian ``J`` is dense (forward mode when ``x`` is no longer
than ``r``, reverse mode otherwise), which suits problems with up to a few thousand parameters.
The cost is ``0.5 * |r|^2`` and its gradient ``g = J^T r``.

- Gauss-Newton takes the least-squares solution of ``J d = -r`` (Nocedal & Wright, eq. 10.23), by an
  SVD, which copes with a rank-deficient ``J`` but is slow beyond a few hundred parameters on CPU.
- Levenberg-Marquardt solves ``(J^T J + lambda I) d = -g`` (Nocedal & Wright, eq. 10.31 with the
  identity as scaling), takes the step only when it does not raise the cost, and adapts ``lambda``:
  times ``damping_decrease_factor`` after a taken step, times ``damping_increase_factor`` after a
  refused one, clipped to ``[min_damping, max_damping]`` (Marquardt's rule).

A run stops after ``max_iterations`` steps (taken or refused), once a step (taken, or refused
because rounding made the cost no lower) changes the cost by at most ``atol + rtol * cost`` and every
coordinate by at most ``atol + rtol * max|x|``, once the gradient's largest entry is at most ``atol``
(at the start too), or when a Gauss-Newton step lands on a non-finite cost (then it is not converged
and keeps the last finite point).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from .config import GaussNewtonConfig, LevenbergMarquardtConfig


class LeastSquaresResult(NamedTuple):
    """The outcome of a least-squares run (a pytree, so it may leave a jitted function)."""

    solution: Any
    """The parameters at the end, with the structure of ``x0``."""
    value: jax.Array
    """The cost ``0.5 * |r|^2`` at ``solution``."""
    iterations: jax.Array
    """Steps tried, refused Levenberg-Marquardt steps included."""
    converged: jax.Array
    """Whether a tolerance (not the iteration limit or a non-finite cost) ended the run."""
    gradient_norm: jax.Array
    """The L2 norm of ``J^T r`` at ``solution``."""
    damping: jax.Array
    """Levenberg-Marquardt's ``lambda`` after the last step (0 for Gauss-Newton)."""


class _Point(NamedTuple):
    """What a step needs at the current point: residuals, Jacobian, gradient and (LM) ``J^T J``."""

    r: jax.Array
    jac: jax.Array
    grad: jax.Array
    normal: jax.Array
    cost: jax.Array


class _Carry(NamedTuple):
    x: jax.Array
    point: _Point
    damping: jax.Array
    iteration: jax.Array
    converged: jax.Array
    failed: jax.Array


def run_least_squares(
    residual_fn: Callable[..., Any],
    x0: Any,
    config: GaussNewtonConfig | LevenbergMarquardtConfig,
    args: tuple = (),
) -> LeastSquaresResult:
    """Minimize ``0.5 * |residual_fn(x, *args)|^2`` from ``x0`` with the method ``config`` names."""
    if not callable(residual_fn):
        raise TypeError(f"`residual_fn` must be callable, got {residual_fn!r}")
    if not isinstance(args, tuple):
        raise TypeError(f"`args` must be a tuple, got {args!r}")
    # the numbers of the configuration are traced, so that changing them does not compile again
    settings = {field.name: getattr(config, field.name) for field in dataclasses.fields(config)}
    return _solve(residual_fn, isinstance(config, LevenbergMarquardtConfig), x0, args, settings)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _solve(
    residual_fn: Callable[..., Any],
    levenberg_marquardt: bool,
    x0: Any,
    args: tuple,
    config: dict[str, Any],
) -> LeastSquaresResult:
    x_init, unravel = ravel_pytree(x0)

    def residuals(x: jax.Array) -> jax.Array:
        return ravel_pytree(residual_fn(unravel(x), *args))[0]

    n = x_init.shape[0]
    m = jax.eval_shape(residuals, x_init).shape[0]
    jacobian = jax.jacfwd(residuals) if n <= m else jax.jacrev(residuals)
    dtype = x_init.dtype

    def linearize(x: jax.Array, r: jax.Array) -> _Point:
        jac = jacobian(x)
        # J^T J is formed once per taken step, so a refused step costs one linear solve
        normal = jac.T @ jac if levenberg_marquardt else jnp.zeros((0, 0), dtype=dtype)
        return _Point(r=r, jac=jac, grad=jac.T @ r, normal=normal, cost=0.5 * jnp.dot(r, r))

    def step(point: _Point, damping: jax.Array) -> jax.Array:
        if levenberg_marquardt:
            # LU rather than Cholesky: XLA's CPU Cholesky measured several times slower at n = 1,000
            return jnp.linalg.solve(point.normal + damping * jnp.eye(n, dtype=dtype), -point.grad)
        return jnp.linalg.lstsq(point.jac, -point.r)[0]

    def body(carry: _Carry) -> _Carry:
        point = carry.point
        delta = step(point, carry.damping)
        x_new = carry.x + delta
        r_new = residuals(x_new)
        cost_new = 0.5 * jnp.dot(r_new, r_new)
        finite = jnp.isfinite(cost_new)
        accept = finite & (cost_new <= point.cost) if levenberg_marquardt else finite
        new_point = jax.lax.cond(accept, linearize, lambda *_: point, x_new, r_new)
        small_step = jnp.max(jnp.abs(delta)) <= config["atol"] + config["rtol"] * jnp.max(jnp.abs(carry.x))
        small_change = jnp.abs(point.cost - cost_new) <= config["atol"] + config["rtol"] * point.cost
        flat_gradient = jnp.max(jnp.abs(new_point.grad)) <= config["atol"]
        if levenberg_marquardt:
            factor = jnp.where(accept, config["damping_decrease_factor"], config["damping_increase_factor"])
            damping = jnp.clip(carry.damping * factor, config["min_damping"], config["max_damping"])
        else:
            damping = carry.damping
        return _Carry(
            x=jnp.where(accept, x_new, carry.x),
            point=new_point,
            damping=damping,
            iteration=carry.iteration + 1,
            converged=(finite & small_step & small_change) | (accept & flat_gradient),
            failed=~finite if not levenberg_marquardt else jnp.asarray(False),
        )

    def keep_going(carry: _Carry) -> jax.Array:
        return (carry.iteration < config["max_iterations"]) & ~carry.converged & ~carry.failed

    start = linearize(x_init, residuals(x_init))
    damping0 = config["damping_factor"] if levenberg_marquardt else 0.0
    final = jax.lax.while_loop(
        keep_going,
        body,
        _Carry(
            x=x_init,
            point=start,
            damping=jnp.asarray(damping0, dtype=dtype),
            iteration=jnp.asarray(0, dtype=jnp.int32),
            converged=jnp.max(jnp.abs(start.grad)) <= config["atol"],
            failed=jnp.asarray(False),
        ),
    )
    return LeastSquaresResult(
        solution=unravel(final.x),
        value=final.point.cost,
        iterations=final.iteration,
        converged=final.converged,
        gradient_norm=jnp.linalg.norm(final.point.grad),
        damping=final.damping,
    )
